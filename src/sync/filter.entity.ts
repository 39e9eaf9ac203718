import { Column, Entity, PrimaryColumn, type ValueTransformer } from 'typeorm';

/**
 * The definition as JSON text. A row whose text is not JSON (written by hand, or damaged) reads
 * as null rather than failing the query, so the filter is ignored instead of breaking /sync.
 */
const lenientJson: ValueTransformer = {
  to: (value: unknown) => (value === undefined ? value : JSON.stringify(value)),
  from: (text: unknown) => {
    if (typeof text !== 'string') return null;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return null;
    }
  },
};

@Entity('filters')
export class FilterEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @PrimaryColumn({ name: 'filter_id', type: 'integer' })
  filterId!: number;

  @Column({ type: 'text', transformer: lenientJson })
  definition!: unknown;
}
