import type { WebSocket } from 'ws';

/** Messages the server sends to room participants, as JSON text frames. */
export type RoomServerMessage =
  | { type: 'joined'; participant_id: number; room: { id: number; name: string }; participants: string[]; agent: string | null }
  | { type: 'participant_joined'; name: string }
  | { type: 'participant_left'; name: string }
  | { type: 'transcript'; speaker: string; text: string }
  | { type: 'audio'; speaker: string; content_type: 'audio/wav'; engine: string; audio: string }
  | { type: 'error'; code: string; message: string }
  | { type: 'room_closed' };

/** WebSocket close codes of the room protocol. */
export const RoomCloseCode = {
  /** The room was closed through the API. */
  RoomClosed: 4000,
  BadMessage: 4400,
  InvalidToken: 4401,
  RoomNotFound: 4404,
  RoomFull: 4409,
  /** No join message arrived in time. */
  JoinTimeout: 4408,
} as const;

/**
 * The participants connected to this server instance, by room. Broadcasts reach only
 * these connections.
 *
 * NOTE: with several instances, participants of one room must reach the same instance
 * (sticky routing on the room path), because broadcasts do not cross instances yet.
 */
export class RoomHub {
  private readonly rooms = new Map<number, Map<WebSocket, string>>();

  add(roomId: number, socket: WebSocket, name: string): void {
    let members = this.rooms.get(roomId);
    if (members === undefined) {
      members = new Map();
      this.rooms.set(roomId, members);
    }
    members.set(socket, name);
  }

  remove(roomId: number, socket: WebSocket): void {
    const members = this.rooms.get(roomId);
    members?.delete(socket);
    if (members?.size === 0) {
      this.rooms.delete(roomId);
    }
  }

  names(roomId: number): string[] {
    return [...(this.rooms.get(roomId)?.values() ?? [])];
  }

  broadcast(roomId: number, message: RoomServerMessage, except?: WebSocket): void {
    const text = JSON.stringify(message);
    for (const socket of this.rooms.get(roomId)?.keys() ?? []) {
      if (socket !== except && socket.readyState === socket.OPEN) {
        socket.send(text);
      }
    }
  }

  /** Tells the room's participants that it closed and disconnects them. */
  close(roomId: number): void {
    this.broadcast(roomId, { type: 'room_closed' });
    for (const socket of this.rooms.get(roomId)?.keys() ?? []) {
      socket.close(RoomCloseCode.RoomClosed, 'room closed');
    }
    this.rooms.delete(roomId);
  }
}
