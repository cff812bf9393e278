"""The instructor's tools: the `dlicourse` command and what it drives.

Nothing here is imported by a notebook. The command line (`cli`) runs notebooks in batch (`runner`,
with named parameter sets from `profiles`), writes the labs from the solutions (`release`), checks a
machine (`doctor`), grades submissions (`dlicourse.grading`) and remakes the shipped dog base
(`pretrain`).
"""
