// The part of SASLprep (RFC 4013) that changes real passwords, and all that
// RFC 5769 §2.4's vector needs: "The\u00adM\u00aatr\u2168" must become
// "TheMatrIX". The prohibited-character and bidi checks are left out; they
// only reject strings, and a server deriving a key from its own secret has no
// one to report the rejection to. ASCII strings (TURN REST passwords, realms)
// come out unchanged.

/** RFC 3454 table B.1, "commonly mapped to nothing" (soft hyphen, joiners, variation selectors, BOM). */
// eslint-disable-next-line no-misleading-character-class -- each code point listed is removed on its own
const MAPPED_TO_NOTHING = /[\u00ad\u034f\u1806\u180b-\u180d\u200b-\u200d\u2060\ufe00-\ufe0f\ufeff]/gu;
/** RFC 3454 table C.1.2, non-ASCII spaces (U+200B is already gone via B.1). */
const NON_ASCII_SPACE = /[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/gu;

export function saslPrep(text: string): string {
  return text.replace(MAPPED_TO_NOTHING, '').replace(NON_ASCII_SPACE, ' ').normalize('NFKC');
}
