/**
 * Scans from the desk's configured card scanner ('device.scan' events) reach the find screen
 * through this inbox: when the find screen is not open, the scan waits here while the desk opens it,
 * so a card scanned from any screen is searched exactly once.
 */
export type ScanMessage = { readonly kind: 'scan'; readonly schemeMemberId: string } | { readonly kind: 'error'; readonly message: string };

export class ScanInbox {
  private pending: ScanMessage | null = null;
  private listener: ((message: ScanMessage) => void) | null = null;

  deliver(message: ScanMessage): void {
    if (this.listener) this.listener(message);
    else this.pending = message;
  }

  /** The find screen listens while it is open and first receives whatever waited for it. */
  subscribe(listener: (message: ScanMessage) => void): () => void {
    this.listener = listener;
    const waiting = this.pending;
    this.pending = null;
    if (waiting) listener(waiting);
    return () => {
      if (this.listener === listener) this.listener = null;
    };
  }
}
