package bench

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// newRand returns a generator for one deterministic stream of seed: the
// same seed and stream numbers always give the same sequence.
func newRand(seed uint64, stream ...uint64) *rand.Rand {
	a, b := splitmix(seed), splitmix(^seed)
	for _, s := range stream {
		a = splitmix(a ^ s)
		b = splitmix(b + s)
	}
	return rand.New(rand.NewPCG(a, b))
}

// splitmix is the SplitMix64 finaliser, used to spread seeds.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// pick returns one element of list.
func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

// The vocabulary of the policy text: sentences are a subject, a modal, a
// verb, an object and sometimes a condition, as in directives and
// ordinances about immigration enforcement.
var (
	subjects = []string{
		"The Department", "Each participating jurisdiction", "State and local law enforcement agencies",
		"The Secretary", "Any officer or employee of the County", "The Attorney General", "The Sheriff",
		"Federal immigration authorities", "A recipient of Byrne JAG funds", "The Office of Justice Programs",
		"Each correctional facility", "The Commissioner", "No agency of the City", "A designated immigration officer",
		"The Board of Supervisors", "The Chief of Police", "Each grantee", "The Director of Corrections",
		"A local educational agency", "The Inspector General", "Any person acting under color of law",
	}
	modals = []string{
		"shall", "may", "must", "should", "will", "shall not", "may not", "is required to", "is authorized to",
		"is prohibited from", "shall promptly", "may, at its discretion,",
	}
	verbs = []string{
		"comply with", "honor", "decline", "respond to", "share information regarding", "cooperate with",
		"maintain records of", "certify compliance with", "report", "review", "provide access to",
		"give notice of", "transmit", "consider", "publish", "retain", "limit the use of", "request",
		"enter into agreements concerning", "document", "audit", "investigate complaints about",
	}
	objects = []string{
		"detainer requests issued under 8 U.S.C. § 1357(d)", "requests for notification of release",
		"the citizenship or immigration status of any individual", "civil immigration warrants",
		"information described in 8 U.S.C. § 1373", "the release date of a person in custody",
		"interview requests from federal agents", "the conditions of the grant award",
		"written policies adopted under this Section", "data collected by the Department of Corrections",
		"the booking records of the county jail", "any agreement under section 287(g) of the Act",
		"requests to hold a person beyond the time of release", "the annual report to the Legislature",
		"personally identifiable information of crime victims and witnesses",
		"access to secure areas of courthouses", "the list of participating agencies",
		"training materials for line officers", "complaints alleging racial profiling",
		"the memorandum of agreement with Immigration and Customs Enforcement",
	}
	conditions = []string{
		"within 48 hours", "except as provided in subsection (c)", "consistent with applicable law",
		"to the extent permitted by State law", "unless a judicial warrant has been presented",
		"no later than October 3, 2017", "for a period not to exceed 90 days",
		"upon written request of the Attorney General", "in accordance with 28 C.F.R. § 0.5",
		"subject to the availability of appropriations", "as of the effective date of this directive",
		"on or before June 30 of each fiscal year", "in an amount not to exceed $12,300,000",
		"for no less than 15 percent of the award", "after consultation with the county counsel",
		"when the person has been convicted of a serious or violent felony",
		"without regard to the person's citizenship status", "in a manner that protects due process",
	}
	boilerplate = []string{
		"This guidance does not create any right or benefit, substantive or procedural, enforceable at law by any party against the United States.",
		"For purposes of this Section, the term “jurisdiction” means any State, county, city or other political subdivision.",
		"Nothing in this policy shall be construed to prohibit any officer from sending to, or receiving from, federal authorities information regarding citizenship.",
		"If any provision of this ordinance is held invalid, the remaining provisions shall remain in full force and effect.",
		"Questions about this directive may be directed to the Office of Legal Policy at (202) 514-4601.",
		"The Department will review this policy annually and publish any revisions on this page.",
		"Grantees that fail to comply may be subject to suspension of funds, termination of the award, or other remedies available by law.",
	}
	sectionTitles = []string{
		"Purpose", "Definitions", "Scope and applicability", "Detainer requests", "Notification of release",
		"Information sharing", "Access to facilities", "Certification of compliance", "Reporting requirements",
		"Enforcement", "Severability", "Effective date", "Training", "Records retention", "Review and revision",
		"Courthouse arrests", "Language access", "Complaints and oversight", "Grant conditions", "Interpretation",
	}
	topics = []string{
		"Sanctuary Jurisdictions", "Immigration Detainers", "287(g) Agreements", "Byrne JAG Grant Conditions",
		"Information Sharing with Federal Authorities", "Courthouse Enforcement Actions", "Release Notifications",
		"Protected Areas", "Community Trust", "Secure Communities", "Law Enforcement Cooperation",
		"Criminal Alien Removal", "Access to County Facilities", "Confidentiality of Immigration Status",
	}
	agencies = []string{
		"U.S. Department of Justice", "Office of the Attorney General", "Department of Homeland Security",
		"Office of Justice Programs", "County of Santa Clara", "City and County of Denver", "State of Oregon",
		"Cook County Sheriff's Office", "City of Philadelphia", "Executive Office for Immigration Review",
		"U.S. Immigration and Customs Enforcement", "Bureau of Justice Assistance", "State of Texas Office of the Governor",
	}
	linkWords = []string{
		"About", "Leadership", "News", "Press Releases", "Speeches", "Publications", "Guidance", "Grants",
		"Funding Opportunities", "Careers", "Contact", "Policy", "Reports", "Data", "Archives", "Resources",
		"Programs", "Offices", "Legal", "Privacy", "Accessibility", "FOIA", "Budget", "Performance",
		"Inspector General", "Civil Rights", "Training", "Partnerships", "Community", "Forms", "Regulations",
		"Directives", "Memoranda", "Opinions", "Testimony", "Events", "Blog", "Videos", "Photos", "Newsroom",
	}
	months = []string{"January", "February", "March", "April", "May", "June", "July", "August",
		"September", "October", "November", "December"}
	places = []string{
		"Santa Clara County", "Denver", "Multnomah County", "Cook County", "Philadelphia", "King County",
		"San Francisco", "New York City", "Hennepin County", "Travis County", "Harris County", "Bexar County",
	}
	statuses = []string{"Compliant", "Under review", "Non-compliant", "Pending certification", "Exempt"}
	// swapWords replace words in changed paragraphs.
	swapWords = []string{
		"shall", "may", "must", "not", "promptly", "federal", "local", "written", "annual", "judicial",
		"civil", "criminal", "secure", "public", "all", "any", "each", "certain", "prior", "immediately",
	}
)

// sentence returns one policy sentence.
func sentence(r *rand.Rand) string {
	if r.IntN(9) == 0 {
		return pick(r, boilerplate)
	}
	s := pick(r, subjects) + " " + pick(r, modals) + " " + pick(r, verbs) + " " + pick(r, objects)
	if r.IntN(3) > 0 {
		s += ", " + pick(r, conditions)
	}
	return s + "."
}

// paragraph returns 2 to 6 sentences, sometimes numbered like a
// subsection.
func paragraph(r *rand.Rand) string {
	var b strings.Builder
	if r.IntN(3) == 0 {
		fmt.Fprintf(&b, "(%c) ", 'a'+rune(r.IntN(8)))
	}
	n := 2 + r.IntN(5)
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(sentence(r))
	}
	return b.String()
}

// date returns a date as policy texts write them.
func date(r *rand.Rand) string {
	return fmt.Sprintf("%s %d, %d", pick(r, months), 1+r.IntN(28), 2015+r.IntN(11))
}

// blockKind is what a block of the tracked region is.
type blockKind uint8

const (
	blockH2 blockKind = iota
	blockH3
	blockP
	blockLI // consecutive items form one list
	blockTR // consecutive rows form one table; cells are separated by " | "
)

// block is one heading, paragraph, list item or table row of a page's
// <main>: what changes between versions.
type block struct {
	kind blockKind
	text string
}

// section appends one section (a heading, paragraphs, maybe a subsection,
// a list or a table) to blocks.
func section(r *rand.Rand, n int, blocks []block) []block {
	blocks = append(blocks, block{blockH2, fmt.Sprintf("Section %d. %s", n, pick(r, sectionTitles))})
	for range 1 + r.IntN(4) {
		blocks = append(blocks, block{blockP, paragraph(r)})
	}
	if r.IntN(2) == 0 {
		blocks = append(blocks, block{blockH3, fmt.Sprintf("(%c) %s", 'a'+rune(r.IntN(6)), pick(r, sectionTitles))})
		for range 1 + r.IntN(3) {
			blocks = append(blocks, block{blockP, paragraph(r)})
		}
	}
	switch r.IntN(4) {
	case 0:
		for range 3 + r.IntN(5) {
			blocks = append(blocks, block{blockLI, sentence(r)})
		}
	case 1:
		blocks = append(blocks, block{blockTR, "Jurisdiction | Status | Date certified | Award"})
		for range 3 + r.IntN(6) {
			blocks = append(blocks, block{blockTR, fmt.Sprintf("%s | %s | %s | $%d,%03d",
				pick(r, places), pick(r, statuses), date(r), 10+r.IntN(900), r.IntN(1000))})
		}
	}
	return blocks
}

// changeWords replaces count words of the paragraphs and list items of
// blocks, in place: the edit of a page between two versions. Only words of
// lower-case letters are replaced, each by a different word.
func changeWords(r *rand.Rand, blocks []block, count int) {
	var candidates []int
	for i, b := range blocks {
		if b.kind == blockP || b.kind == blockLI {
			candidates = append(candidates, i)
		}
	}
	if len(candidates) == 0 {
		return
	}
	for range count {
		bi := candidates[r.IntN(len(candidates))]
		words := strings.Split(blocks[bi].text, " ")
		for range 20 { // find a plain word
			wi := r.IntN(len(words))
			if !plainWord(words[wi]) {
				continue
			}
			w := pick(r, swapWords)
			for w == words[wi] {
				w = pick(r, swapWords)
			}
			words[wi] = w
			break
		}
		blocks[bi].text = strings.Join(words, " ")
	}
}

// plainWord reports whether w is made of lower-case ASCII letters only.
func plainWord(w string) bool {
	if len(w) < 2 {
		return false
	}
	for i := range len(w) {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

// PolicyText returns about size bytes of policy text laid out the way
// redline's extraction lays out a page: one heading ("## ..."), paragraph,
// list item ("- ...") or table row ("a | b") per line. It is made of the
// same sections as the pages of a Site, from seed.
func PolicyText(seed uint64, size int) string {
	r := newRand(seed, 0x7e47)
	var b strings.Builder
	var blocks []block
	for n := 1; b.Len() < size; n++ {
		blocks = section(r, n, blocks[:0])
		for _, bl := range blocks {
			switch bl.kind {
			case blockH2:
				b.WriteString("## ")
			case blockH3:
				b.WriteString("### ")
			case blockLI:
				b.WriteString("- ")
			}
			b.WriteString(bl.text)
			b.WriteByte('\n')
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// ReplaceWords returns text with about fraction of its words (runs of
// letters) replaced by other words, chosen from seed; the rest of the text,
// spacing and punctuation included, is kept byte for byte.
func ReplaceWords(text string, fraction float64, seed uint64) string {
	r := newRand(seed, 0x5eed)
	var b strings.Builder
	b.Grow(len(text) + len(text)/50)
	start := -1
	flush := func(end int) {
		w := text[start:end]
		if r.Float64() < fraction {
			nw := pick(r, swapWords)
			for nw == w {
				nw = pick(r, swapWords)
			}
			w = nw
		}
		b.WriteString(w)
		start = -1
	}
	for i := range len(text) {
		c := text[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		switch {
		case letter && start < 0:
			start = i
		case !letter && start >= 0:
			flush(i)
			b.WriteByte(c)
		case !letter:
			b.WriteByte(c)
		}
	}
	if start >= 0 {
		flush(len(text))
	}
	return b.String()
}

// ShuffleLines returns text with its lines in an order chosen from seed:
// the worst case for a line-aligned diff, every line moved.
func ShuffleLines(text string, seed uint64) string {
	lines := strings.Split(text, "\n")
	r := newRand(seed, 0x11e5)
	r.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	return strings.Join(lines, "\n")
}

// ShuffleWords returns text with the words of each line in an order chosen
// from seed: every line kept in place, every word moved.
func ShuffleWords(text string, seed uint64) string {
	lines := strings.Split(text, "\n")
	r := newRand(seed, 0x3020)
	for i, l := range lines {
		w := strings.Fields(l)
		r.Shuffle(len(w), func(a, b int) { w[a], w[b] = w[b], w[a] })
		lines[i] = strings.Join(w, " ")
	}
	return strings.Join(lines, "\n")
}
