# word frequencies and a small sieve: hash tables, arrays and string handling
{ for (i = 1; i <= NF; i++) freq[$i]++ }
END {
  for (n = 2; n < 200000; n++) sieve[n] = 1
  for (n = 2; n * n < 200000; n++) if (sieve[n]) for (m = n * n; m < 200000; m += n) delete sieve[m]
  c = 0; for (w in freq) c++
  print c, length(sieve)
}
