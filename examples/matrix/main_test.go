package main

import (
	"os"
	"strings"
	"testing"
)

func TestReplaceSection(t *testing.T) {
	doc := "# T\n\n" + beginMarker + "\nold\nlines\n" + endMarker + "\n\nafter\n"
	got, err := replaceSection(doc, "new table")
	if err != nil {
		t.Fatal(err)
	}
	if want := "# T\n\n" + beginMarker + "\nnew table\n" + endMarker + "\n\nafter\n"; got != want {
		t.Errorf("replaceSection = %q, want %q", got, want)
	}
	if _, err := replaceSection("no markers", "x"); err == nil {
		t.Errorf("replaceSection(doc without markers) succeeded, want an error")
	}
}

// TestReadmeSection checks that the README has the section the program
// writes, once.
func TestReadmeSection(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{beginMarker, endMarker} {
		if n := strings.Count(string(b), m+"\n"); n != 1 {
			t.Errorf("README.md has %d lines %q, want 1", n, m)
		}
	}
	if _, err := replaceSection(string(b), "x"); err != nil {
		t.Errorf("replaceSection(README.md): %v", err)
	}
}
