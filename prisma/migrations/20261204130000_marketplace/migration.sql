-- CreateEnum
CREATE TYPE "MarketplaceItemType" AS ENUM ('agent', 'tool', 'fleet_template', 'extension');

-- CreateTable
CREATE TABLE "marketplace_items" (
    "id" SERIAL NOT NULL,
    "publisher_account_id" INTEGER,
    "publisher_livemode" BOOLEAN,
    "builtin_key" TEXT,
    "type" "MarketplaceItemType" NOT NULL,
    "name" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "manifest" JSONB NOT NULL,
    "install_count" INTEGER NOT NULL DEFAULT 0,
    "rating_count" INTEGER NOT NULL DEFAULT 0,
    "rating_average" DOUBLE PRECISION,
    "search_text" TEXT NOT NULL,
    "unpublished_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "marketplace_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "marketplace_installations" (
    "id" SERIAL NOT NULL,
    "item_id" INTEGER NOT NULL,
    "account_id" INTEGER NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "version" TEXT NOT NULL,
    "resources" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "marketplace_installations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "marketplace_ratings" (
    "item_id" INTEGER NOT NULL,
    "account_id" INTEGER NOT NULL,
    "rating" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "marketplace_ratings_pkey" PRIMARY KEY ("item_id","account_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "marketplace_items_builtin_key_key" ON "marketplace_items"("builtin_key");

-- CreateIndex
CREATE INDEX "marketplace_items_publisher_account_id_publisher_livemode_idx" ON "marketplace_items"("publisher_account_id", "publisher_livemode");

-- CreateIndex
CREATE INDEX "marketplace_items_type_idx" ON "marketplace_items"("type");

-- CreateIndex
CREATE INDEX "marketplace_items_search_text_trgm_idx" ON "marketplace_items" USING GIN ("search_text" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "marketplace_installations_item_id_idx" ON "marketplace_installations"("item_id");

-- CreateIndex
CREATE UNIQUE INDEX "marketplace_installations_account_id_livemode_item_id_versi_key" ON "marketplace_installations"("account_id", "livemode", "item_id", "version");

-- CreateIndex
CREATE INDEX "marketplace_ratings_account_id_idx" ON "marketplace_ratings"("account_id");

-- AddForeignKey
ALTER TABLE "marketplace_items" ADD CONSTRAINT "marketplace_items_publisher_account_id_fkey" FOREIGN KEY ("publisher_account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "marketplace_installations" ADD CONSTRAINT "marketplace_installations_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "marketplace_items"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "marketplace_installations" ADD CONSTRAINT "marketplace_installations_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "marketplace_ratings" ADD CONSTRAINT "marketplace_ratings_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "marketplace_items"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "marketplace_ratings" ADD CONSTRAINT "marketplace_ratings_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

