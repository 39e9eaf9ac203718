import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Small facts about this server's own history, e.g. when it first started. */
@Entity('server_meta')
export class ServerMetaEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key!: string;

  @Column({ type: 'text' })
  value!: string;
}
