const string S = "a\qb"
const string T = 'ok\n'
