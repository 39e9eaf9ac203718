import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../database/bigint.transformer.js';

/** How often each legacy surface was called, per user agent: who still has to migrate. */
@Entity('legacy_usage')
export class LegacyUsageEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  surface!: string;

  @PrimaryColumn({ name: 'user_agent', type: 'varchar', length: 255 })
  userAgent!: string;

  @Column({ type: 'integer' })
  calls!: number;

  @Column({ name: 'first_called_ts', type: 'bigint', transformer: bigintTransformer })
  firstCalledTs!: number;

  @Column({ name: 'last_called_ts', type: 'bigint', transformer: bigintTransformer })
  lastCalledTs!: number;
}
