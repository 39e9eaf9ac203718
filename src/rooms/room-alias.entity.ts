import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('room_aliases')
export class RoomAliasEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  alias!: string;

  @Index('room_aliases_room')
  @Column({ name: 'room_id', type: 'varchar', length: 255 })
  roomId!: string;

  @Column({ type: 'varchar', length: 255 })
  creator!: string;
}
