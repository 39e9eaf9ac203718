import { InitialSchema1795360634905 } from './1795360634905-initial-schema.js';
import { PresenceState1795362507772 } from './1795362507772-presence-state.js';
import { PeeksAndLegacyUsage1795363117990 } from './1795363117990-peeks-and-legacy-usage.js';
import { EventsTxnPartialIndex1795377201868 } from './1795377201868-events-txn-partial-index.js';
import { PresenceStateWithoutPublished1795381311510 } from './1795381311510-presence-state-without-published.js';
import { DropEventsStateKeyIndex1795390301633 } from './1795390301633-drop-events-state-key-index.js';
import { RoomHistoryHorizons1795400000000 } from './1795400000000-room-history-horizons.js';

/** Every migration, oldest first. Append-only: a released migration is never edited. */
export const migrations = [
  InitialSchema1795360634905,
  PresenceState1795362507772,
  PeeksAndLegacyUsage1795363117990,
  EventsTxnPartialIndex1795377201868,
  PresenceStateWithoutPublished1795381311510,
  DropEventsStateKeyIndex1795390301633,
  RoomHistoryHorizons1795400000000,
];
