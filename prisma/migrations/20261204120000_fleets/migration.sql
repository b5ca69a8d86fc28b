-- CreateEnum
CREATE TYPE "FleetStrategy" AS ENUM ('parallel', 'sequential', 'round_robin');

-- CreateEnum
CREATE TYPE "FleetRunStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled');

-- CreateEnum
CREATE TYPE "FleetStepStatus" AS ENUM ('waiting', 'pending', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out');

-- AlterTable
ALTER TABLE "fleets" ADD COLUMN     "last_agent_id" INTEGER;

-- AlterTable
ALTER TABLE "agents" ADD COLUMN     "auto_scaled" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "fleet_runs" (
    "id" SERIAL NOT NULL,
    "fleet_id" INTEGER NOT NULL,
    "account_id" INTEGER NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "task" TEXT NOT NULL,
    "strategy" "FleetStrategy" NOT NULL,
    "status" "FleetRunStatus" NOT NULL DEFAULT 'queued',
    "timeout_seconds" INTEGER NOT NULL,
    "deadline_at" TIMESTAMPTZ(3) NOT NULL,
    "scopes" TEXT[],
    "credential" JSONB NOT NULL,
    "output" TEXT,
    "error_code" TEXT,
    "error_message" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "fleet_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "fleet_run_steps" (
    "id" SERIAL NOT NULL,
    "run_id" INTEGER NOT NULL,
    "fleet_id" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "agent_id" INTEGER,
    "agent_name" TEXT,
    "status" "FleetStepStatus" NOT NULL,
    "input" TEXT,
    "reply" TEXT,
    "tools_used" TEXT[],
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lease_expires_at" TIMESTAMPTZ(3),
    "execution_time_ms" INTEGER,
    "error_code" TEXT,
    "error_message" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "fleet_run_steps_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "fleet_runs_fleet_id_id_idx" ON "fleet_runs"("fleet_id", "id");

-- CreateIndex
CREATE INDEX "fleet_runs_status_deadline_at_idx" ON "fleet_runs"("status", "deadline_at");

-- CreateIndex
CREATE INDEX "fleet_run_steps_status_lease_expires_at_idx" ON "fleet_run_steps"("status", "lease_expires_at");

-- CreateIndex
CREATE INDEX "fleet_run_steps_fleet_id_status_idx" ON "fleet_run_steps"("fleet_id", "status");

-- CreateIndex
CREATE INDEX "fleet_run_steps_agent_id_status_idx" ON "fleet_run_steps"("agent_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "fleet_run_steps_run_id_position_key" ON "fleet_run_steps"("run_id", "position");

-- AddForeignKey
ALTER TABLE "fleet_runs" ADD CONSTRAINT "fleet_runs_fleet_id_fkey" FOREIGN KEY ("fleet_id") REFERENCES "fleets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "fleet_runs" ADD CONSTRAINT "fleet_runs_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "fleet_run_steps" ADD CONSTRAINT "fleet_run_steps_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "fleet_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "fleet_run_steps" ADD CONSTRAINT "fleet_run_steps_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE SET NULL ON UPDATE CASCADE;

