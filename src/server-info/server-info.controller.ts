import { Controller, Get } from '@nestjs/common';
import { CurrentRequester, Public } from '../auth/access-token.guard.js';
import type { Requester } from '../auth/requester.js';
import { CLIENT_API_PREFIXES } from '../common/http/client-api.js';
import { AppConfig } from '../config/app-config.js';
import { defaultPushRules } from './default-push-rules.js';

/** Spec versions this server answers to; r0 paths are served beside v3. */
const SPEC_VERSIONS = [
  'r0.0.1',
  'r0.1.0',
  'r0.2.0',
  'r0.3.0',
  'r0.4.0',
  'r0.5.0',
  'r0.6.0',
  'r0.6.1',
  'v1.1',
  'v1.2',
  'v1.3',
  'v1.4',
  'v1.5',
  'v1.6',
  'v1.7',
  'v1.8',
  'v1.9',
  'v1.10',
  'v1.11',
  'v1.12',
];

/** Unstable features implemented, advertised as real servers do. */
const UNSTABLE_FEATURES: Record<string, boolean> = {
  'org.matrix.msc3026.busy_presence': true,
  'org.matrix.msc2753': true,
};

@Controller()
export class VersionsController {
  @Public()
  @Get('_matrix/client/versions')
  versions() {
    return { versions: SPEC_VERSIONS, unstable_features: UNSTABLE_FEATURES };
  }
}

@Controller(CLIENT_API_PREFIXES)
export class ServerInfoController {
  constructor(private readonly config: AppConfig) {}

  @Get('capabilities')
  capabilities() {
    return {
      capabilities: {
        'm.change_password': { enabled: false },
        'm.room_versions': { default: '10', available: { '10': 'stable' } },
        'm.set_displayname': { enabled: true },
        'm.set_avatar_url': { enabled: true },
        'm.3pid_changes': { enabled: false },
        'm.get_login_token': { enabled: false },
        'm.profile_fields': { enabled: true },
        // How to read m.presence: when currently_active lapses are not written, a reader takes
        // currently_active as true only until last_active_ts + the granularity.
        'org.matrix.msc3032.presence': {
          last_active_granularity_ms: this.config.PRESENCE_LAST_ACTIVE_GRANULARITY_MS,
          currently_active_lapses_published: this.config.PRESENCE_PUBLISH_ACTIVITY_LAPSES === 'true',
          max_publication_lag_ms: this.config.PRESENCE_MAX_LAG_MS,
        },
      },
    };
  }

  @Get('pushrules')
  pushRules(@CurrentRequester() requester: Requester) {
    return defaultPushRules(requester.userId);
  }
}
