import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../database/bigint.transformer.js';
import type { DeviceInputs, ManualState } from './core/presence-model.js';

/**
 * A user's presence inputs: what the core needs to re-evaluate after a restart. What was
 * published is the profile room's own state, not copied here; a row is never older than it
 * (PresenceWriter). Devices are few per user, so they live in the row as JSON.
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
}
