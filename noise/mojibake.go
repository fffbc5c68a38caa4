package noise

import "unicode/utf8"

// Mojibake counts the sequences in text that are UTF-8 decoded as
// Windows-1252 or ISO-8859-1: "Ã±" for "ñ", "Ã©" for "é", "â€™" for "’",
// their Latin-1 forms with C1 control characters ("â\u0080\u0099"), and "Â"
// before a space, a NBSP or the end of a line (a UTF-8 NBSP whose second
// byte was normalised to a space).
//
// A sequence is a character U+00C2–U+00F4 followed by the 1 to 3
// characters that, mapped back to bytes through Windows-1252 or Latin-1,
// complete it as one valid multi-byte UTF-8 sequence (continuation bytes
// 0x80–0xBF). Correct text in French, Spanish or any other language counts
// 0 or close to it ("Español", "café", "Niño"); a page decoded with the
// wrong charset counts one per non-ASCII character. Compare the counts of
// two captures rather than testing for zero.
func Mojibake(text string) int {
	n := 0
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if r < 0xC2 || r > 0xF4 {
			continue
		}
		need := 1
		switch {
		case r >= 0xF0:
			need = 3
		case r >= 0xE0:
			need = 2
		}
		var buf [4]byte
		buf[0] = byte(r)
		j, k := i, 1
		for k <= need && j < len(text) {
			c, cs := utf8.DecodeRuneInString(text[j:])
			b, ok := continuationByte(c)
			if !ok {
				break
			}
			buf[k] = b
			k++
			j += cs
		}
		if k == need+1 {
			if d, ds := utf8.DecodeRune(buf[:k]); d != utf8.RuneError && ds == k {
				n++
				i = j
				continue
			}
		}
		if r == 'Â' && (i == len(text) || text[i] == ' ' || text[i] == '\n') {
			n++
		}
	}
	return n
}

// continuationByte maps a character back to the byte it decodes from in
// Windows-1252 or Latin-1, if that byte is a UTF-8 continuation byte.
func continuationByte(c rune) (byte, bool) {
	if c >= 0x80 && c <= 0xBF { // Latin-1 (and the bytes Windows-1252 leaves undefined)
		return byte(c), true
	}
	switch c {
	case '€':
		return 0x80, true
	case '‚':
		return 0x82, true
	case 'ƒ':
		return 0x83, true
	case '„':
		return 0x84, true
	case '…':
		return 0x85, true
	case '†':
		return 0x86, true
	case '‡':
		return 0x87, true
	case 'ˆ':
		return 0x88, true
	case '‰':
		return 0x89, true
	case 'Š':
		return 0x8A, true
	case '‹':
		return 0x8B, true
	case 'Œ':
		return 0x8C, true
	case 'Ž':
		return 0x8E, true
	case '‘':
		return 0x91, true
	case '’':
		return 0x92, true
	case '“':
		return 0x93, true
	case '”':
		return 0x94, true
	case '•':
		return 0x95, true
	case '–':
		return 0x96, true
	case '—':
		return 0x97, true
	case '˜':
		return 0x98, true
	case '™':
		return 0x99, true
	case 'š':
		return 0x9A, true
	case '›':
		return 0x9B, true
	case 'œ':
		return 0x9C, true
	case 'ž':
		return 0x9E, true
	case 'Ÿ':
		return 0x9F, true
	}
	return 0, false
}
