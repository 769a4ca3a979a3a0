import type { PushAudience } from '../../../ports/push-store.js';

/**
 * A push's audience once `user` is erased from it, on both dialects: unchanged when it does not
 * name them; `'alone'` when nothing is left but them, so the push goes whole (its content was
 * written for them: a notify push carries their name). A filter naming them and no other user
 * reached only them, so it goes rather than widen into every device of the other fields.
 */
export function audienceWithout(audience: PushAudience, user: string): PushAudience | 'alone' {
  const inUsers = audience.users?.includes(user) ?? false;
  const inFilter = audience.filter?.users?.includes(user) ?? false;
  if (!inUsers && !inFilter) return audience;
  const { users, filter, ...rest } = audience;
  const out: PushAudience = { ...rest };
  const others = (users ?? []).filter((u) => u !== user);
  if (users) out.users = others;
  if (filter) {
    const filterUsers = filter.users?.filter((u) => u !== user);
    if (!inFilter) out.filter = filter;
    else if (filterUsers && filterUsers.length > 0) out.filter = { ...filter, users: filterUsers };
  }
  const reaches = Boolean(out.users?.length || out.devices?.length || out.topics?.length || out.tokens?.length || out.providerTopics?.length || out.filter);
  return reaches ? out : 'alone';
}
