/** The path of the packaged extension file (w2v.so / w2v.dylib / w2v.dll). */
export declare function getLoadablePath(): string;
/** Load w2v into a database object that has loadExtension(path) (better-sqlite3, node:sqlite). */
export declare function load(db: { loadExtension(path: string): unknown }): void;
