#!/usr/bin/env python3
"""The web ACL must let article, comment and profile text through, whatever
markdown holds, and block what its body rules find everywhere else.

AWS's managed rules run only in AWS, so this checks the template's own part
of the decision, offline: every body rule of the common rule set that reads
content as an attack (paths with `../`, URLs with IP addresses, metadata
addresses, HTML, long bodies) is set to count, a rule of ours blocks what
they label on any other path, and that rule's path pattern matches every
path text is written to (the API, the server functions, the pages' form
posts) and no other. A sample article body says what must pass.
"""

import re
import sys
from pathlib import Path

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parent.parent
# Markdown a writer may well post: a relative path, a URL with an IP host,
# the metadata address, a script quoted in code.
ARTICLE = "See `../config` and http://203.0.113.5/x; never curl http://169.254.169.254/. <script>x</script>"
BODY_RULES = {"SizeRestrictions_BODY", "CrossSiteScripting_BODY", "GenericLFI_BODY",
              "GenericRFI_BODY", "EC2MetaDataSSRF_BODY"}
WRITES_TEXT = ["/api/articles", "/api/articles/how-to", "/api/articles/how-to/comments", "/api/user",
               "/rpc/save_article", "/rpc/add_comment", "/rpc/update_settings",
               "/editor", "/editor/how-to", "/article/how-to", "/settings"]
WRITES_NO_TEXT = ["/rpc/login", "/api/users/login", "/login", "/api/articles/how-to/favorite",
                  "/api/profiles/jake/follow", "/rpc/set_favorite", "/pkg/conduit.js", "/"]


def main():
    template, errors = decode(str(ROOT / "infra/conduit.yaml"))
    if errors:
        sys.exit(f"cannot parse the template: {errors}")
    rules = template["Resources"]["WebAcl"]["Properties"]["Rules"]
    problems = []
    common = next(r for r in rules if r["Name"] == "common")
    overrides = common["Statement"]["ManagedRuleGroupStatement"].get("RuleActionOverrides", [])
    counted = {o["Name"] for o in overrides if "Count" in o["ActionToUse"]}
    if BODY_RULES - counted:
        problems.append(f"body rules that would refuse this article: {sorted(BODY_RULES - counted)}")
    block = next((r for r in rules if r["Name"] == "body-rules-outside-content"), None)
    if block is None or block["Priority"] <= common["Priority"]:
        problems.append("no rule after `common` blocks what its body rules label outside content")
    else:
        statements = block["Statement"]["AndStatement"]["Statements"]
        labels = {s["LabelMatchStatement"]["Key"].rsplit(":", 1)[1].lower()
                  for s in statements[0]["OrStatement"]["Statements"]}
        if labels != {rule.lower() for rule in BODY_RULES}:
            problems.append(f"labels blocked outside content differ from the body rules: {sorted(labels)}")
        pattern = re.compile(statements[1]["NotStatement"]["Statement"]["RegexMatchStatement"]["RegexString"])
        problems += [f"{path} takes text but the WAF would block this article there"
                     for path in WRITES_TEXT if not pattern.search(path)]
        problems += [f"{path} takes no text but is let through the body rules"
                     for path in WRITES_NO_TEXT if pattern.search(path)]
    for problem in problems:
        print(f"waf-check: {problem}\n  (the article: {ARTICLE})", file=sys.stderr)
    if problems:
        return 1
    print(f"waf-check: an article like {ARTICLE!r} passes where text is written, and only there")
    return 0


if __name__ == "__main__":
    sys.exit(main())
