/**
 * The house rule for every comparison: the reference (a bare relay, coturn,
 * no flood) and the subject are measured in the same run, their rounds
 * alternating so that drift in a shared machine hits both alike, and every
 * ratio is taken against the reference of that same run.
 */
import { summarise, type Summary } from './stats.js';

/**
 * `rotate`: A B A B …, every round in the same order. `mirror`: A B, B A, A B …, so neither
 * variant always runs first within a pair (for variants that share a long-lived process).
 */
export type Alternation = 'rotate' | 'mirror';

/** The order in which `count` rounds of each variant run. */
export function alternate<V>(variants: readonly V[], count: number, alternation: Alternation = 'rotate'): V[] {
  const order: V[] = [];
  for (let round = 0; round < count; round++) {
    const pass = alternation === 'mirror' && round % 2 === 1 ? [...variants].reverse() : variants;
    order.push(...pass);
  }
  return order;
}

/** One metric of the rounds of `variant`. */
export function summariseVariant<R, V>(
  rounds: readonly R[],
  variantOf: (round: R) => V,
  variant: V,
  value: (round: R) => number,
): Summary {
  return summarise(rounds.filter((round) => variantOf(round) === variant).map(value));
}

export interface Comparison {
  reference: Summary;
  subject: Summary;
}

/** One metric of the reference's rounds and of the subject's, from the same run. */
export function compare<R, V>(
  rounds: readonly R[],
  variantOf: (round: R) => V,
  variants: { reference: V; subject: V },
  value: (round: R) => number,
): Comparison {
  return {
    reference: summariseVariant(rounds, variantOf, variants.reference, value),
    subject: summariseVariant(rounds, variantOf, variants.subject, value),
  };
}
