-- CreateEnum
CREATE TYPE "VoiceRoomStatus" AS ENUM ('active', 'closed');

-- CreateEnum
CREATE TYPE "VoiceCallStatus" AS ENUM ('queued', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled');

-- CreateEnum
CREATE TYPE "VoiceCallProvider" AS ENUM ('twilio', 'sip');

-- CreateTable
CREATE TABLE "voice_rooms" (
    "id" SERIAL NOT NULL,
    "account_id" INTEGER NOT NULL,
    "livemode" BOOLEAN NOT NULL DEFAULT true,
    "name" TEXT NOT NULL,
    "max_participants" INTEGER NOT NULL,
    "voice_engine" "VoiceEngine",
    "agent_id" INTEGER,
    "status" "VoiceRoomStatus" NOT NULL DEFAULT 'active',
    "join_token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),

    CONSTRAINT "voice_rooms_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "voice_participants" (
    "id" SERIAL NOT NULL,
    "room_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "joined_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "left_at" TIMESTAMPTZ(3),

    CONSTRAINT "voice_participants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "voice_calls" (
    "id" SERIAL NOT NULL,
    "account_id" INTEGER NOT NULL,
    "livemode" BOOLEAN NOT NULL DEFAULT true,
    "to" TEXT NOT NULL,
    "agent_id" INTEGER,
    "voice_engine" "VoiceEngine",
    "provider" "VoiceCallProvider" NOT NULL,
    "provider_call_id" TEXT,
    "status" "VoiceCallStatus" NOT NULL DEFAULT 'queued',
    "room_name" TEXT NOT NULL,
    "duration_seconds" INTEGER NOT NULL DEFAULT 0,
    "answered_at" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "voice_calls_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "voice_utterances" (
    "id" SERIAL NOT NULL,
    "room_id" INTEGER,
    "call_id" INTEGER,
    "speaker" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "voice_utterances_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "voice_clips" (
    "id" TEXT NOT NULL,
    "call_id" INTEGER NOT NULL,
    "content_type" TEXT NOT NULL,
    "audio" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "voice_clips_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "voice_rooms_join_token_hash_key" ON "voice_rooms"("join_token_hash");

-- CreateIndex
CREATE INDEX "voice_rooms_account_id_livemode_status_id_idx" ON "voice_rooms"("account_id", "livemode", "status", "id");

-- CreateIndex
CREATE INDEX "voice_participants_room_id_left_at_idx" ON "voice_participants"("room_id", "left_at");

-- CreateIndex
CREATE INDEX "voice_calls_account_id_livemode_id_idx" ON "voice_calls"("account_id", "livemode", "id");

-- CreateIndex
CREATE UNIQUE INDEX "voice_calls_provider_provider_call_id_key" ON "voice_calls"("provider", "provider_call_id");

-- CreateIndex
CREATE INDEX "voice_utterances_room_id_id_idx" ON "voice_utterances"("room_id", "id");

-- CreateIndex
CREATE INDEX "voice_utterances_call_id_id_idx" ON "voice_utterances"("call_id", "id");

-- CreateIndex
CREATE INDEX "voice_clips_call_id_idx" ON "voice_clips"("call_id");

-- AddForeignKey
ALTER TABLE "voice_rooms" ADD CONSTRAINT "voice_rooms_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "voice_rooms" ADD CONSTRAINT "voice_rooms_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "voice_participants" ADD CONSTRAINT "voice_participants_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "voice_rooms"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "voice_calls" ADD CONSTRAINT "voice_calls_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "voice_calls" ADD CONSTRAINT "voice_calls_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "voice_utterances" ADD CONSTRAINT "voice_utterances_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "voice_rooms"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "voice_utterances" ADD CONSTRAINT "voice_utterances_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "voice_calls"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "voice_clips" ADD CONSTRAINT "voice_clips_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "voice_calls"("id") ON DELETE CASCADE ON UPDATE CASCADE;

