import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../database/bigint.transformer.js';
import type { DeviceInputs, ManualState, PresenceState } from './core/presence-model.js';

/**
 * A user's presence inputs (what the core needs to re-evaluate after a restart) and what was
 * last published to their profile room (to publish only changes). Devices are few per user,
 * so they live in the row as JSON.
 */
@Entity('presence_state')
export class PresenceStateEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @Column({ type: 'varchar', length: 16, nullable: true })
  manual!: ManualState | null;

  @Column({ name: 'appear_offline_since', type: 'bigint', nullable: true, transformer: bigintTransformer })
  appearOfflineSince!: number | null;

  @Column({ name: 'appear_offline_last_active_ts', type: 'bigint', nullable: true, transformer: bigintTransformer })
  appearOfflineLastActiveTs!: number | null;

  @Column({ name: 'status_msg', type: 'text', nullable: true })
  statusMsg!: string | null;

  @Column({ name: 'last_active_ts', type: 'bigint', transformer: bigintTransformer })
  lastActiveTs!: number;

  @Column({ type: 'simple-json' })
  devices!: DeviceInputs[];

  @Column({ name: 'published_presence', type: 'varchar', length: 16, nullable: true })
  publishedPresence!: PresenceState | null;

  @Column({ name: 'published_currently_active', type: 'boolean', default: false })
  publishedCurrentlyActive!: boolean;

  @Column({ name: 'published_status_msg', type: 'text', nullable: true })
  publishedStatusMsg!: string | null;

  @Column({ name: 'published_last_active_ts', type: 'bigint', nullable: true, transformer: bigintTransformer })
  publishedLastActiveTs!: number | null;
}
