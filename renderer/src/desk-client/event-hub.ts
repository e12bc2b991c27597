import type { DeskEventName, DeskEvents } from '@desk-api/contract';
import type { ParsedMessage } from './wire-messages';

type EventListeners = { [E in DeskEventName]: Set<(payload: DeskEvents[E]) => void> };
export type ParsedEvent = Extract<ParsedMessage, { kind: 'event' }>;

/** Listeners per desk event, fed with events already parsed at the transport's boundary. */
export class DeskEventHub {
  private readonly listeners: EventListeners = {
    'replication.changed': new Set(),
    'sync.status': new Set(),
    notification: new Set(),
    'device.scan': new Set(),
    'device.scan-error': new Set(),
    'devices.status': new Set(),
  };

  on<E extends DeskEventName>(event: E, listener: (payload: DeskEvents[E]) => void): () => void {
    const listeners: Set<(payload: DeskEvents[E]) => void> = this.listeners[event];
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }

  dispatch(message: ParsedEvent): void {
    // One case per event so each payload reaches listeners of exactly its type.
    switch (message.event) {
      case 'replication.changed':
        for (const listener of this.listeners[message.event]) listener(message.payload);
        return;
      case 'sync.status':
        for (const listener of this.listeners[message.event]) listener(message.payload);
        return;
      case 'notification':
        for (const listener of this.listeners[message.event]) listener(message.payload);
        return;
      case 'device.scan':
        for (const listener of this.listeners[message.event]) listener(message.payload);
        return;
      case 'device.scan-error':
        for (const listener of this.listeners[message.event]) listener(message.payload);
        return;
      case 'devices.status':
        for (const listener of this.listeners[message.event]) listener(message.payload);
        return;
    }
  }
}
