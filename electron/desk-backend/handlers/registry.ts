// What the desk holds for reading: families, the package catalogue, and read-model pages for RxDB.
import { Feed } from '../feed';
import { failure, keepFamily, ok, type HandlerModule } from './context';

export const registryHandlers: HandlerModule<'families.view' | 'packages.list' | 'replication.pull'> = (desk, { signedOut }) => ({
  'families.view': async ({ familyId }) => {
    const refused = signedOut();
    if (refused) return refused;
    const view = desk.reads.family(familyId);
    if (!view) return failure('not-found', 'This family is not on this desk yet; search for a member to fetch it.');
    keepFamily(desk, familyId);
    return ok(view);
  },
  'packages.list': async ({ search }) => signedOut() ?? ok(desk.reads.packages(search)),
  'replication.pull': async ({ collection, checkpoint, limit }) => {
    const refused = signedOut();
    if (refused) return refused;
    const page = desk.feed.pullPage(collection, checkpoint, limit);
    if (!page)
      return failure('invalid-input', `A read-model page holds 1 to ${Feed.maxPageSize} documents; ask for ${Feed.maxPageSize} or fewer.`, {
        maxLimit: Feed.maxPageSize,
      });
    return ok({ documents: page.docIds.map((id) => desk.document(collection, id)), checkpoint: page.checkpoint });
  },
});
