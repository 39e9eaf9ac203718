import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../database/bigint.transformer.js';

@Entity('users')
export class UserEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  /** Set once the profile room exists; null only between registration and its creation. */
  @Column({ name: 'profile_room_id', type: 'varchar', length: 255, nullable: true })
  profileRoomId!: string | null;

  @Column({ name: 'created_ts', type: 'bigint', transformer: bigintTransformer })
  createdTs!: number;
}
