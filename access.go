package rulebook

import (
	"crypto/sha256"
	"strconv"
)

// accessDomain separates the access log's encoding from the events' (and any
// other use of SHA-256), and versions it.
const accessDomain = "rulebook/access/v1"

// AppendAccessCanonical appends the canonical encoding of one access-log entry
// (everything but its own hash) to b: its id, the instant in Unix microseconds,
// the actor, the action, the subject, the detail, and the previous entry's hash.
// Fields are length-prefixed as an event's are, so no two different entries encode
// alike. The access log is chained like the record: each entry's hash covers the
// one before it, so deleting, editing or reordering an entry breaks the chain.
func AppendAccessCanonical[T string | []byte](b []byte, id, atMicro int64, actor, action, subject, detail T, prev *Hash) []byte {
	var num [24]byte
	b = append(b, accessDomain...)
	b = appendField(b, strconv.AppendInt(num[:0], id, 10))
	b = appendField(b, strconv.AppendInt(num[:0], atMicro, 10))
	b = appendField(b, actor)
	b = appendField(b, action)
	b = appendField(b, subject)
	b = appendField(b, detail)
	return append(b, prev[:]...)
}

// AccessHash returns the chain hash of an access-log entry that follows prev (the
// zero hash for the first entry).
func AccessHash(id, atMicro int64, actor, action, subject, detail string, prev Hash) Hash {
	var buf [256]byte
	return sha256.Sum256(AppendAccessCanonical(buf[:0], id, atMicro, actor, action, subject, detail, &prev))
}
