/** The chat section of the catalogue (catalogue.ts), in English: the source of its keys. */
export const chat = {} as const;
