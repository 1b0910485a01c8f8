/**
 * A {@link GuardynStore} in one JSON file for Node apps and bots: mode 0600, rewritten atomically
 * (temporary file, fsync, rename) after every change, so a crash leaves the old or the new
 * content, never half of one.
 */
import { open, readFile, rename } from 'node:fs/promises';
import { MemoryStore, type GuardynStore, type StoreSection } from './store.js';

export class FileStore implements GuardynStore {
  readonly #memory = new MemoryStore();
  #writing: Promise<void> = Promise.resolve();

  private constructor(readonly path: string) {}

  /** Opens the file, or starts empty when it does not exist yet. */
  static async open(path: string): Promise<FileStore> {
    const store = new FileStore(path);
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (text !== undefined) store.#memory.restore(JSON.parse(text) as Record<string, never>);
    return store;
  }

  get(section: StoreSection, key: string): Promise<string | undefined> {
    return this.#memory.get(section, key);
  }

  async set(section: StoreSection, key: string, value: string): Promise<void> {
    await this.#memory.set(section, key, value);
    await this.#save();
  }

  async delete(section: StoreSection, key: string): Promise<void> {
    await this.#memory.delete(section, key);
    await this.#save();
  }

  keys(section: StoreSection): Promise<string[]> {
    return this.#memory.keys(section);
  }

  async close(): Promise<void> {
    await this.#writing;
  }

  /** Writes are chained: each one writes the content as it is when its turn comes. */
  #save(): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      const temporary = `${this.path}.tmp`;
      const file = await open(temporary, 'w', 0o600);
      try {
        await file.writeFile(JSON.stringify(this.#memory.snapshot()));
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, this.path);
    });
    return this.#writing;
  }
}
