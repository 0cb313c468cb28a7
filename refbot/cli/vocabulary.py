"""`refbot vocabulary add|list|remove`: the program's own acronyms and synonyms for search, on top of
the built-in glossary ("SSO" means "single sign-on"). Offline: no Slack token needed."""

from __future__ import annotations

import argparse

from refbot.cli import core as cli


def cmd_vocabulary(args: argparse.Namespace) -> int:
    from refbot.services import vocabulary as service

    settings = cli.load_core_settings()
    with cli.unit_of_work(settings) as session:
        if args.vocab_command == "add":
            try:
                added = service.add_term(session=session, term=args.term, meaning=args.meaning, added_by="cli")
            except service.VocabularyError as exc:
                raise cli.CLIError(str(exc)) from None
            verb = "Search now reads" if added.created else "Search already reads"
            print(f'{verb} "{added.term}" as "{added.meaning}" (and the other way round).')
        elif args.vocab_command == "remove":
            n = service.remove_term(session=session, term=args.term, meaning=args.meaning)
            if n == 0:
                raise cli.CLIError(f'"{args.term}" is not in the program\'s vocabulary (see `refbot vocabulary list`).')
            print(f'Removed "{args.term}" ({n} {"entry" if n == 1 else "entries"}).')
        else:
            terms = service.list_terms(session=session)
            if not terms:
                print("The program has no words of its own yet; the built-in glossary still applies.")
                print('Add one: refbot vocabulary add SSO "single sign-on"')
            for term, meaning in terms:
                print(f"{term} = {meaning}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("vocabulary", help="the program's own acronyms and synonyms for search")
    vsub = p.add_subparsers(dest="vocab_command", required=True)
    add = vsub.add_parser("add", help='teach search a word: refbot vocabulary add SSO "single sign-on"')
    add.add_argument("term", help='the word or acronym sellers type, e.g. SSO')
    add.add_argument("meaning", help='what it means, as the program\'s data says it, e.g. "single sign-on"')
    vsub.add_parser("list", help="the program's own words")
    rm = vsub.add_parser("remove", help="forget a word (all its meanings, or one)")
    rm.add_argument("term", help="the word to forget")
    rm.add_argument("meaning", nargs="?", help="only this meaning of it (default: all its meanings)")
    p.set_defaults(func=cmd_vocabulary)
