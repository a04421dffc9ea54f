import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLocalKvs, createLocalKvsService, loadEntityDefinitions } from '../../../src/storage/local-kvs';

const MANIFEST = path.resolve(__dirname, '..', '..', '..', 'manifest.yml');

describe('loadEntityDefinitions', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-kvs-manifest-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function manifest(text: string): string {
    const file = path.join(dir, 'manifest.yml');
    fs.writeFileSync(file, text);
    return file;
  }

  it("reads the app's entities and indexes, and the service enforces them", async () => {
    const entities = loadEntityDefinitions(MANIFEST);
    const member = entities.find((entity) => entity.name === 'scim-member');
    expect(member?.attributes.groupId).toEqual({ type: 'string' });
    expect(member?.indexes).toContainEqual({ name: 'by-group', partition: ['groupId'], range: ['value'] });
    expect(entities.find((entity) => entity.name === 'scim-user')?.indexes).toContain('userNameKey');

    const service = createLocalKvsService({ entities });
    const kvs = createLocalKvs(service);
    await kvs.entity('scim-member').set('g1#u1', { groupId: 'g1', value: 'u1', type: 'User' });
    const page = await kvs
      .entity('scim-member')
      .query()
      .index('by-group', { partition: ['g1'] })
      .getMany();
    expect(page.results.map((r) => r.key)).toEqual(['g1#u1']);
    await expect(kvs.entity('scim-user').set('u', { version: 1.5 })).rejects.toMatchObject({
      code: 'INVALID_ENTITY_VALUE',
    });
    await service.close();
  });

  it('returns no entities for a manifest without storage', () => {
    expect(loadEntityDefinitions(manifest('app:\n  id: x\n'))).toEqual([]);
  });

  it('names the manifest and the problem when a declaration is invalid', () => {
    const file = manifest(
      'app:\n  storage:\n    entities:\n      - name: thing\n        attributes:\n          a: { type: text }\n',
    );
    expect(() => loadEntityDefinitions(file)).toThrow(
      `${file}: entity "thing": attribute a has unsupported type "text"`,
    );
    expect(() => loadEntityDefinitions(manifest('app:\n  storage:\n    entities: yes\n'))).toThrow(/must be a list/);
  });
});
