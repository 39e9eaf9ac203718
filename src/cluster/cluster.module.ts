import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { ReadinessChecks } from '../operations/readiness-checks.js';
import { CLUSTER_LINK, LocalLink, type ClusterLink, type ClusterTopic } from './cluster-link.js';
import { RateLimits } from './rate-limits.js';
import { RedisLink } from './redis-link.js';

const TOPICS: ClusterTopic[] = ['events', 'account-data', 'peeks', 'token-revoked', 'presence-derived', 'history-purged'];

/**
 * The link between processes sharing a database (REDIS_URL), or the local one. With Redis,
 * readiness reports `redis` down while either connection is.
 */
@Global()
@Module({
  providers: [
    RateLimits,
    {
      provide: CLUSTER_LINK,
      inject: [AppConfig, ReadinessChecks],
      useFactory: async (config: AppConfig, readiness: ReadinessChecks): Promise<ClusterLink> => {
        if (!config.REDIS_URL) return new LocalLink();
        const link = new RedisLink(config.REDIS_URL, config.REDIS_KEY_PREFIX, config.PRESENCE_OWNER_LEASE_MS, {
          host: config.CLUSTER_HOST,
          port: config.CLUSTER_PORT,
        });
        await link.connect(TOPICS);
        readiness.register('redis', async () => ({ redis: { status: link.ready ? 'up' : 'down' } }));
        return link;
      },
    },
  ],
  exports: [CLUSTER_LINK, RateLimits],
})
export class ClusterModule implements OnApplicationShutdown {
  constructor(@Inject(CLUSTER_LINK) private readonly link: ClusterLink) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.link instanceof RedisLink) await this.link.close();
  }
}
