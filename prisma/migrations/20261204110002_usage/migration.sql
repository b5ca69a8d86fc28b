-- CreateTable
CREATE TABLE "usage_counters" (
    "account_id" INTEGER NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "day" DATE NOT NULL,
    "resource" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "usage_counters_pkey" PRIMARY KEY ("account_id","livemode","day","resource")
);

-- CreateTable
CREATE TABLE "usage_thresholds" (
    "account_id" INTEGER NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "period" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "level" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "usage_thresholds_pkey" PRIMARY KEY ("account_id","livemode","period","resource","level")
);

-- AddForeignKey
ALTER TABLE "usage_counters" ADD CONSTRAINT "usage_counters_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "usage_thresholds" ADD CONSTRAINT "usage_thresholds_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

