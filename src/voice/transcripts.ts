import type { Prisma, PrismaClient } from '../generated/prisma/client.js';

/** One transcript line: who spoke and what they said. */
export interface TranscriptLine {
  speaker: string;
  text: string;
}

/** Most lines of a room or call that an agent reads as history before answering. */
export const agentHistoryLines = 40;

/** Renders lines as speaker-prefixed text, one line each, oldest first. */
export function formatTranscript(lines: readonly TranscriptLine[]): string {
  return lines.map((line) => `${line.speaker}: ${line.text.replace(/\s*\n\s*/g, ' ')}`).join('\n');
}

export async function appendUtterance(
  db: PrismaClient | Prisma.TransactionClient,
  owner: { roomId: number } | { callId: number },
  line: TranscriptLine,
): Promise<void> {
  await db.voiceUtterance.create({ data: { ...owner, speaker: line.speaker, text: line.text } });
}

/** Loads every line of a room or call, oldest first. */
export async function loadTranscript(prisma: PrismaClient, owner: { roomId: number } | { callId: number }): Promise<TranscriptLine[]> {
  return prisma.voiceUtterance.findMany({ where: owner, orderBy: { id: 'asc' }, select: { speaker: true, text: true } });
}

/** Loads the latest `limit` lines, oldest first, for an agent's prompt. */
export async function recentLines(
  prisma: PrismaClient,
  owner: { roomId: number } | { callId: number },
  limit = agentHistoryLines,
): Promise<TranscriptLine[]> {
  const lines = await prisma.voiceUtterance.findMany({
    where: owner,
    orderBy: { id: 'desc' },
    take: limit,
    select: { speaker: true, text: true },
  });

  return lines.reverse();
}
