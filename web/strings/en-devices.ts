/** The devices section of the catalogue (catalogue.ts), in English: the source of its keys. */
export const devices = {} as const;
