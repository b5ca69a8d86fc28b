-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- CreateEnum
CREATE TYPE "ToolTier" AS ENUM ('free', 'starter', 'pro', 'enterprise');

-- CreateEnum
CREATE TYPE "ToolKind" AS ENUM ('builtin', 'http');

-- CreateEnum
CREATE TYPE "ToolExecutionStatus" AS ENUM ('succeeded', 'failed', 'timed_out');

-- CreateTable
CREATE TABLE "tools" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "tier" "ToolTier" NOT NULL DEFAULT 'free',
    "tags" TEXT[],
    "input_schema" JSONB NOT NULL,
    "kind" "ToolKind" NOT NULL,
    "credits" INTEGER NOT NULL DEFAULT 1,
    "http" JSONB,
    "owner_account_id" INTEGER,
    "owner_livemode" BOOLEAN,
    "search_text" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "tools_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tool_executions" (
    "id" SERIAL NOT NULL,
    "account_id" INTEGER NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "tool_name" TEXT NOT NULL,
    "status" "ToolExecutionStatus" NOT NULL,
    "credits" INTEGER NOT NULL,
    "duration_ms" INTEGER NOT NULL,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tool_executions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "tools_name_key" ON "tools"("name");

-- CreateIndex
CREATE INDEX "tools_category_idx" ON "tools"("category");

-- CreateIndex
CREATE INDEX "tools_owner_account_id_owner_livemode_idx" ON "tools"("owner_account_id", "owner_livemode");

-- CreateIndex
CREATE INDEX "tools_search_text_trgm_idx" ON "tools" USING GIN ("search_text" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "tool_executions_account_id_created_at_idx" ON "tool_executions"("account_id", "created_at");

-- AddForeignKey
ALTER TABLE "tools" ADD CONSTRAINT "tools_owner_account_id_fkey" FOREIGN KEY ("owner_account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tool_executions" ADD CONSTRAINT "tool_executions_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

