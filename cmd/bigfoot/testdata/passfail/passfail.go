package passfail

// Answer gives go vet something to look at besides tests.
func Answer() int { return 42 }
