package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// Password hashing: argon2id with OWASP's recommended parameters (46 MiB, one
// pass, one lane), stored in PHC string form so the parameters travel with the
// hash and can be raised later.
var argonParams = struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
}{46 * 1024, 1, 1}

// hashSlots limits how many passwords are hashed at once: each takes 46 MiB, and a
// burst of sign-ins must not take the server's memory.
var hashSlots = make(chan struct{}, 4)

// HashPassword returns the argon2id PHC string of password.
func HashPassword(password string) string {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	salt := make([]byte, 16)
	rand.Read(salt)
	p := argonParams
	key := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// CheckPassword reports whether password matches a PHC string from HashPassword.
func CheckPassword(phc, password string) bool {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m, t uint32
	var th uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &th); err != nil || m == 0 || t == 0 || th == 0 || m > 1<<20 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	got := argon2.IDKey([]byte(password), salt, t, m, th, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when an account does not exist, so that a wrong
// name takes as long as a wrong password.
var dummyHash = sync.OnceValue(func() string { return HashPassword("no account has this password") })

// checkPasswordPolicy refuses passwords too weak to keep confidential files behind.
func checkPasswordPolicy(name, password string) error {
	switch {
	case len(password) < 10:
		return fieldErr("password", "use at least 10 characters")
	case len(password) > 1024:
		return fieldErr("password", "is longer than 1024 characters")
	case strings.Contains(strings.ToLower(password), strings.ToLower(name)):
		return fieldErr("password", "must not contain the sign-in name")
	}
	return nil
}

// newSecret returns n random bytes as URL-safe base64.
func newSecret(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is how session and API tokens, and report keys, are stored: SHA-256
// in hex. They are long random strings, so no slow hash is needed.
func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// TOTP (RFC 6238): HMAC-SHA1, 30-second steps, six digits, which every
// authenticator app reads from an otpauth:// URI.
const totpStep = 30

// NewTOTPSecret returns a random second-factor secret in base32.
func NewTOTPSecret() string {
	b := make([]byte, 20)
	rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// TOTPCode returns the code for a secret at time step n.
func TOTPCode(secret string, n int64) (string, error) {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.ReplaceAll(secret, " ", "")))
	if err != nil {
		return "", fmt.Errorf("the secret is not base32: %v", err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(n))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1_000_000), nil
}

// TOTPStep returns the time step of t.
func TOTPStep(t time.Time) int64 { return t.Unix() / totpStep }

// checkTOTP returns the step a code matches (one step either side of now, for
// clocks that differ), or 0.
func checkTOTP(secret, code string, now time.Time, after int64) int64 {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0
	}
	if _, err := strconv.Atoi(code); err != nil {
		return 0
	}
	n := TOTPStep(now)
	for _, s := range []int64{n, n - 1, n + 1} {
		if s <= after {
			continue // each code is used once
		}
		if want, err := TOTPCode(secret, s); err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s
		}
	}
	return 0
}

// TOTPURI is the otpauth:// URI an authenticator app enrols the secret from.
func TOTPURI(issuer, account, secret string) string {
	label := url.PathEscape(issuer + ":" + account)
	q := url.Values{"secret": {secret}, "issuer": {issuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	return "otpauth://totp/" + label + "?" + q.Encode()
}
