import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type Membership = 'join' | 'invite' | 'leave' | 'ban' | 'knock';

/** Current membership per (room, user), kept beside room_state for fast "rooms of a user" reads. */
@Entity('room_memberships')
@Index('room_memberships_user', ['userId', 'membership'])
export class RoomMembershipEntity {
  @PrimaryColumn({ name: 'room_id', type: 'varchar', length: 255 })
  roomId!: string;

  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @Column({ type: 'varchar', length: 16 })
  membership!: Membership;

  /** The membership event's position in the stream. */
  @Column({ name: 'stream_ordering', type: 'integer' })
  streamOrdering!: number;
}
