import { UserError } from '../../common/user-error.ts';
import { localDataDir } from '../db/database.ts';

export const MAX_REPLICAS = 5;

/**
 * --replicas and --replica-url, checked before anything starts: the embedded platform starts its own replicas,
 * a server of the user's own (DATABASE_URL) names its replicas by URL.
 */
export function platformFlags(
  replicas: number,
  replicaUrls: string[],
  replicasGiven: boolean,
): { replicas: number; replicaUrls: string[] } {
  const external = localDataDir() === undefined;
  if (!external && replicaUrls.length > 0)
    throw new UserError(
      `--replica-url needs DATABASE_URL (accepted: DATABASE_URL with one --replica-url per replica; the embedded platform starts its own, --replicas N)`,
    );
  const urls = replicaUrls.map((raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new UserError(
        `--replica-url '${raw}' is not a URL (accepted: postgres://user:password@host:port/database)`,
      );
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
      throw new UserError(
        `--replica-url scheme '${url.protocol}' is not supported (accepted: postgres:// or postgresql://)`,
      );
    if (!url.pathname || url.pathname === '/')
      throw new UserError(
        `--replica-url '${url.host}' names no database (accepted: postgres://user:password@host:port/database)`,
      );
    return url.toString();
  });
  if (urls.length > MAX_REPLICAS)
    throw new UserError(`${urls.length} --replica-url flags are too many (accepted: at most ${MAX_REPLICAS})`);
  if (external && replicasGiven && replicas !== urls.length)
    throw new UserError(
      `--replicas ${replicas} with DATABASE_URL needs as many --replica-url flags (given: ${urls.length})`,
    );
  return { replicas: external ? urls.length : replicas, replicaUrls: urls };
}
