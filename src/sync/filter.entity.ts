import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('filters')
export class FilterEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @PrimaryColumn({ name: 'filter_id', type: 'integer' })
  filterId!: number;

  @Column({ type: 'simple-json' })
  definition!: Record<string, unknown>;
}
