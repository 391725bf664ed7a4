package bfpg

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strings"
)

// scramServer is the server's side of one SCRAM-SHA-256 exchange (RFC
// 5802, RFC 7677): it answers the client's nonce with its own, checks the
// client's proof against the password the test named, and proves that it
// knows the password too, which clients check.
type scramServer struct {
	password string

	clientFirstBare string
	gs2             string
	serverFirst     string
	nonce           string
	salted          []byte
	step2           bool
}

const scramIterations = 4096

func randomBytes(b []byte) {
	_, _ = rand.Read(b) // crypto/rand.Read never fails
}

// step answers the SASLInitialResponse (mechanism, then the
// client-first-message) and then the SASLResponse (client-final-message).
func (sc *scramServer) step(data []byte) (reply []byte, done bool, err error) {
	if !sc.step2 {
		r := reader{b: data, msg: "SASLInitialResponse"}
		mech := r.cstring()
		n := r.int32()
		if r.err != nil || n < 0 || int(n) != len(r.b) {
			return nil, false, errors.New("malformed SASLInitialResponse")
		}
		if mech != "SCRAM-SHA-256" {
			return nil, false, errors.New("the client chose SASL mechanism " + mech + "; the server offered SCRAM-SHA-256")
		}
		msg := string(r.b)
		// gs2-header: a channel-binding flag, an optional authzid, then the bare message.
		flag, rest, ok1 := strings.Cut(msg, ",")
		_, bare, ok2 := strings.Cut(rest, ",")
		if !ok1 || !ok2 || (flag != "n" && flag != "y") {
			return nil, false, errors.New("client-first-message " + msg + " does not start with a gs2 header n,, or y,,")
		}
		sc.gs2 = msg[:len(msg)-len(bare)]
		sc.clientFirstBare = bare
		cnonce := attr(bare, 'r')
		if cnonce == "" {
			return nil, false, errors.New("client-first-message has no nonce")
		}
		var snonce [18]byte
		randomBytes(snonce[:])
		salt := make([]byte, 16)
		randomBytes(salt)
		sc.nonce = cnonce + base64.StdEncoding.EncodeToString(snonce[:])
		sc.serverFirst = "r=" + sc.nonce + ",s=" + base64.StdEncoding.EncodeToString(salt) + ",i=4096"
		sc.salted, err = pbkdf2.Key(sha256.New, sc.password, salt, scramIterations, sha256.Size)
		if err != nil {
			return nil, false, err
		}
		sc.step2 = true
		return []byte(sc.serverFirst), false, nil
	}
	final := string(data)
	i := strings.LastIndex(final, ",p=")
	if i < 0 {
		return nil, false, errors.New("client-final-message has no proof")
	}
	withoutProof := final[:i]
	if attr(final, 'r') != sc.nonce {
		return nil, false, errors.New("client-final-message does not echo the server's nonce")
	}
	if cb := attr(final, 'c'); cb != base64.StdEncoding.EncodeToString([]byte(sc.gs2)) {
		return nil, false, errors.New("client-final-message's channel binding does not match its gs2 header")
	}
	proof, err := base64.StdEncoding.DecodeString(final[i+3:])
	if err != nil || len(proof) != sha256.Size {
		return nil, false, errors.New("client-final-message's proof is not a base64 SHA-256 value")
	}
	authMessage := sc.clientFirstBare + "," + sc.serverFirst + "," + withoutProof
	clientKey := mac(sc.salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	sig := mac(stored[:], authMessage)
	got := make([]byte, len(proof))
	for j := range proof {
		got[j] = proof[j] ^ sig[j]
	}
	gotStored := sha256.Sum256(got)
	if subtle.ConstantTimeCompare(gotStored[:], stored[:]) != 1 {
		return nil, false, errors.New("SCRAM-SHA-256 proof does not match the password the test named")
	}
	serverSig := mac(mac(sc.salted, "Server Key"), authMessage)
	return []byte("v=" + base64.StdEncoding.EncodeToString(serverSig)), true, nil
}

func mac(key []byte, s string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(s))
	return h.Sum(nil)
}

// attr returns the value of attribute name in a SCRAM message.
func attr(msg string, name byte) string {
	for _, part := range strings.Split(msg, ",") {
		if len(part) >= 2 && part[0] == name && part[1] == '=' {
			return part[2:]
		}
	}
	return ""
}
