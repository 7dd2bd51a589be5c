/** The quality section of the catalogue (catalogue.ts), in English: the source of its keys. */
export const quality = {
  good: 'Good connection',
  fair: 'Fair connection',
  poor: 'Poor connection',
} as const;
