package jsonx

import (
	"encoding/json"
	"testing"
)

func TestMarshal(t *testing.T) {
	type doc struct {
		Tag     string `json:"tag"`
		Comment string `json:"comment"`
		N       int    `json:"n"`
	}
	v := doc{Tag: "<a&b>", Comment: "Paweł 😱", N: 3}
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"compact", Options{}, `{"tag":"<a&b>","comment":"Paweł 😱","n":3}`},
		{"ascii", Options{EnsureASCII: true}, `{"tag":"<a&b>","comment":"Pawe\u0142 \ud83d\ude31","n":3}`},
		{"indent", Options{Indent: "   "}, "{\n   \"tag\": \"<a&b>\",\n   \"comment\": \"Paweł 😱\",\n   \"n\": 3\n}"},
	}
	for _, tt := range tests {
		got, err := Marshal(v, tt.o)
		if err != nil {
			t.Fatalf("Marshal(%s) error: %v", tt.name, err)
		}
		if string(got) != tt.want {
			t.Errorf("Marshal(%s) = %s, want %s", tt.name, got, tt.want)
		}
		var back doc
		if err := json.Unmarshal(got, &back); err != nil || back != v {
			t.Errorf("json.Unmarshal(Marshal(%s)) = %+v, %v, want %+v", tt.name, back, err, v)
		}
	}
}

func TestEscapeNonASCIIInvalidUTF8(t *testing.T) {
	got := string(EscapeNonASCII([]byte("\"a\xffb\"")))
	if want := `"a\ufffdb"`; got != want {
		t.Errorf("EscapeNonASCII(%q) = %s, want %s", "\"a\xffb\"", got, want)
	}
}

func FuzzEscapeNonASCII(f *testing.F) {
	f.Add([]byte(`{"a":"Sômé guy 😱"}`))
	f.Add([]byte("\"\xed\xa0\x80\""))
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return
		}
		var want, got any
		if err := json.Unmarshal(b, &want); err != nil {
			return
		}
		esc := EscapeNonASCII(b)
		for _, c := range esc {
			if c >= 0x80 {
				t.Fatalf("EscapeNonASCII(%q) = %q, has a non-ASCII byte", b, esc)
			}
		}
		if err := json.Unmarshal(esc, &got); err != nil {
			t.Fatalf("json.Unmarshal(EscapeNonASCII(%q)) error: %v", b, err)
		}
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(got)
		if string(wj) != string(gj) {
			t.Fatalf("EscapeNonASCII(%q) decodes to %s, want %s", b, gj, wj)
		}
	})
}
