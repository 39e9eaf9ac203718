import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../database/bigint.transformer.js';

/** One login: a device with its access token (stored as a SHA-256 hash, never in clear). */
@Entity('devices')
export class DeviceEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @PrimaryColumn({ name: 'device_id', type: 'varchar', length: 255 })
  deviceId!: string;

  @Index('devices_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 255, nullable: true })
  displayName!: string | null;

  @Column({ name: 'created_ts', type: 'bigint', transformer: bigintTransformer })
  createdTs!: number;
}
