import 'reflect-metadata';
import { getMetadataArgsStorage } from 'typeorm';
import { rowToSite, SITE_COLUMNS, siteSelect } from './site-row';
import { Site } from './site.entity';

describe('site-row', () => {
  it('maps every column of the Site entity, and nothing else', () => {
    const columns = getMetadataArgsStorage()
      .columns.filter((c) => c.target === Site)
      .map((c) => [c.options.name ?? c.propertyName, c.propertyName]);
    expect(Object.fromEntries(columns)).toEqual(SITE_COLUMNS);
  });

  it('reads a prefixed row back into a Site entity; null when the join found no site', () => {
    const created = new Date();
    const row: Record<string, unknown> = { key_id: 'k' };
    for (const column of Object.keys(SITE_COLUMNS)) row[`s_${column}`] = `v-${column}`;
    row.s_created_at = created;
    const site = rowToSite(row, 's_')!;
    expect(site).toBeInstanceOf(Site);
    expect(site.baseUrl).toBe('v-base_url');
    expect(site.createdAt).toBe(created);
    expect(rowToSite({ key_id: 'k', s_id: null }, 's_')).toBeNull();
    expect(siteSelect('s', 's_')).toContain('s.base_url AS "s_base_url"');
  });
});
