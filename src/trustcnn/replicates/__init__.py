"""Replicates: the whole experiment once per seed (:mod:`.layout`: where each lives), and the
evidence across them (:mod:`.summary`: mean, sd, t-interval, paired differences against the
baseline, the champion across seeds; :mod:`.report`: summary.md and the sentences the docs
print). Framework-free, like the rest of the library."""
