import type { DeskApiHandlers, DeskChannel } from '../../desk-api/contract';
import { benefitHandlers } from './benefits';
import { bookingHandlers } from './bookings';
import { caseHandlers } from './cases';
import { documentHandlers } from './documents';
import { emergencyHandlers } from './emergencies';
import type { DeskCore, HandlerModule, SlotTools } from './context';
import { enrollmentHandlers } from './enrollment';
import { historyHandlers } from './history';
import { identifierHandlers } from './identifiers';
import { identityHandlers } from './identity';
import { kpiHandlers } from './kpis';
import { preauthHandlers } from './preauth';
import { registryHandlers } from './registry';
import { replicaHandlers } from './replica';
import { sessionHandlers } from './session';
import { settlementHandlers } from './settlement';
import { systemHandlers } from './system';

/** Every handler module, by concept. Each desk channel is answered by exactly one of them. */
export const handlerModules = {
  enrollment: enrollmentHandlers,
  session: sessionHandlers,
  identity: identityHandlers,
  registry: registryHandlers,
  cases: caseHandlers,
  emergencies: emergencyHandlers,
  documents: documentHandlers,
  preauth: preauthHandlers,
  bookings: bookingHandlers,
  settlement: settlementHandlers,
  benefits: benefitHandlers,
  history: historyHandlers,
  identifiers: identifierHandlers,
  kpis: kpiHandlers,
  system: systemHandlers,
  replica: replicaHandlers,
} as const;

type Modules = typeof handlerModules;
type ChannelsOf<M> = M extends HandlerModule<infer K> ? K : never;
/** Channels answered by more than one module: `never` when every module owns its own channels. */
type Overlapping = {
  [A in keyof Modules]: { [B in Exclude<keyof Modules, A>]: ChannelsOf<Modules[A]> & ChannelsOf<Modules[B]> }[Exclude<keyof Modules, A>];
}[keyof Modules];
/** Channels no module answers: `never` when the modules cover the whole desk API. */
type Unanswered = Exclude<DeskChannel, ChannelsOf<Modules[keyof Modules]>>;
// Both checks fail to compile, naming the channel, if a module is added, removed or overlaps.
const everyChannelOnce: [Overlapping, Unanswered] extends [never, never] ? true : { overlapping: Overlapping; unanswered: Unanswered } = true;
void everyChannelOnce;

/** The whole desk API for one renderer connection, from every module. */
export function combineHandlers(desk: DeskCore, tools: SlotTools): DeskApiHandlers {
  return {
    ...handlerModules.enrollment(desk, tools),
    ...handlerModules.session(desk, tools),
    ...handlerModules.identity(desk, tools),
    ...handlerModules.registry(desk, tools),
    ...handlerModules.cases(desk, tools),
    ...handlerModules.emergencies(desk, tools),
    ...handlerModules.documents(desk, tools),
    ...handlerModules.preauth(desk, tools),
    ...handlerModules.bookings(desk, tools),
    ...handlerModules.settlement(desk, tools),
    ...handlerModules.benefits(desk, tools),
    ...handlerModules.history(desk, tools),
    ...handlerModules.identifiers(desk, tools),
    ...handlerModules.kpis(desk, tools),
    ...handlerModules.system(desk, tools),
    ...handlerModules.replica(desk, tools),
  };
}
