/** Shared fixtures of the Delta tests. */
import type { TableInfo } from '../../../src/catalog/model.js';
import { parseTypeText } from '../../../src/catalog/types.js';

/**
 * A catalog table with the given columns (`name: 'type'`, a trailing `!` means NOT NULL); the storage location
 * defaults to one that does not exist.
 */
export function tableInfo(columns: Record<string, string>, extra: Partial<TableInfo> = {}): TableInfo {
  return {
    catalogName: 'main',
    schemaName: 'default',
    name: 't',
    fullName: 'main.default.t',
    tableId: '0b3f7a4e-2c1d-4e5f-8a9b-0c1d2e3f4a5b',
    columns: Object.entries(columns).map(([name, type], position) => ({
      name,
      type: parseTypeText(type.replace(/!$/, '')),
      nullable: !type.endsWith('!'),
      position,
    })),
    properties: {},
    storageLocation: 'file:///nonexistent',
    owner: 'o',
    createdBy: 'o',
    createdAt: 0,
    updatedAt: 0,
    ...extra,
  };
}
