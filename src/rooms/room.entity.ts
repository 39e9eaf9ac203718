import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../database/bigint.transformer.js';

@Entity('rooms')
export class RoomEntity {
  @PrimaryColumn({ name: 'room_id', type: 'varchar', length: 255 })
  roomId!: string;

  @Column({ type: 'varchar', length: 255 })
  creator!: string;

  /** `type` from the creation content, e.g. the profile room type. */
  @Column({ name: 'room_type', type: 'varchar', length: 255, nullable: true })
  roomType!: string | null;

  @Column({ name: 'room_version', type: 'varchar', length: 32 })
  roomVersion!: string;

  /** Listed in the public room directory. */
  @Column({ name: 'is_public', type: 'boolean', default: false })
  isPublic!: boolean;

  @Column({ name: 'created_ts', type: 'bigint', transformer: bigintTransformer })
  createdTs!: number;
}
