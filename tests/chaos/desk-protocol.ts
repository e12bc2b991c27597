/**
 * The IPC protocol between the chaos harness (parent) and a desk host process (child). One host
 * process runs one or more DeskBackends, each with its own data directory; the parent names a
 * desk by its key. Every request carries an id and gets exactly one reply — unless the host is
 * killed first, which is the point.
 */
import type { BookingStatus } from '../../electron/desk-api/contract';

export interface ChaosMember {
  readonly memberId: string;
  readonly familyId: string;
}

export interface DeskSetup {
  readonly deskKey: string;
  readonly dataDir: string;
  readonly username: string;
  readonly password: string;
  /** Only on the very first open: exchange this code for the desk's credential. */
  readonly enroll?: { readonly serverUrl: string; readonly code: string };
  /** The registry members this desk may admit (its replica has them: the desks' registry district). */
  readonly members: readonly ChaosMember[];
  /** Package codes with a catalogue price, to request pre-authorization for. */
  readonly packageCodes: readonly string[];
  /**
   * The sync engine's safety pull interval (default: the product's 30 s). A test that proves a
   * poke arrived sets it far beyond its own length, so only a poke can bring the change.
   */
  readonly safetyPullMs?: number;
}

export interface OpenResult {
  readonly deskId: string;
  readonly hospitalId: string;
  readonly isOfflineSession: boolean;
  /** Outbox entries not yet answered when the desk opened (commits that a kill kept from the server). */
  readonly pendingAtOpen: number;
  /** Codes of sign-in attempts that failed before one succeeded (the password is always right). */
  readonly signInFailures: readonly string[];
  /** What opening took, step by step (diagnostics for slow restarts). */
  readonly steps: readonly string[];
}

export type ActOperation = 'admit' | 'preauth' | 'booking' | 'void' | 'enhancement' | 'discharge' | 'claim' | 'cancel' | 'idle';

export interface ActResult {
  readonly op: ActOperation;
  /** True when the desk accepted the command: local rows and outbox entry committed. */
  readonly ok: boolean;
  readonly code?: string;
  readonly caseId?: string;
  readonly bookingId?: string;
}

export interface OutboxBooking {
  readonly bookingId: string;
  readonly commandId: string;
  readonly state: 'pending' | 'answered';
  readonly status: number | null;
  readonly code: string | null;
}

export interface ReplicaBooking {
  readonly id: string;
  readonly caseId: string;
  readonly coveredAmount: number;
  readonly shortfallAmount: number;
  readonly status: string;
}

export interface ReplicaHold {
  readonly caseId: string;
  readonly amount: number;
  readonly consumed: number;
  readonly status: string;
}

export interface ReplicaFamily {
  readonly id: string;
  readonly cover: number;
  readonly committed: number;
}

export interface DeskSnapshot {
  readonly deskKey: string;
  readonly pendingMutations: number;
  readonly syncState: string;
  readonly lastError: string | null;
  readonly outboxBookings: readonly OutboxBooking[];
  /** The replica's server rows (what the pull applier wrote). */
  readonly bookings: readonly ReplicaBooking[];
  readonly holds: readonly ReplicaHold[];
  readonly families: readonly ReplicaFamily[];
  /** What the desk's read model (the desk API's booking view) shows for every booking it knows. */
  readonly views: readonly { readonly bookingId: string; readonly status: BookingStatus }[];
}

export interface HostCalls {
  open: { args: DeskSetup; result: OpenResult };
  act: { args: { deskKey: string }; result: ActResult };
  snapshot: { args: { deskKey: string; withViews: boolean }; result: DeskSnapshot };
  close: { args: Record<string, never>; result: null };
}
export type HostCall = keyof HostCalls;

export interface HostRequest<C extends HostCall = HostCall> {
  readonly requestId: number;
  readonly call: C;
  readonly args: HostCalls[C]['args'];
}

export type HostReply =
  { readonly requestId: number; readonly ok: true; readonly value: unknown } | { readonly requestId: number; readonly ok: false; readonly error: string };
