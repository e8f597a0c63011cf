"""What the prose around the code says: file names, files to create, "log into the pod".

Unannotated tutorials say in English what annotations would say in data. These
cues are deliberately narrow (each pattern was taken from a real tutorial) and
every one is only a hint the parser combines with what the blocks contain.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from markdown_it import MarkdownIt

FILE_EXT = (
    r"(?:ya?ml|json|txt|py|sh|cfg|conf|ini|toml|csv|dat|r|jl|ipynb|env|properties|jinja2?|j2|tpl|tmpl|template|go|js|ts|xml|html"
    r"|c|h|cc|cpp|hpp|java|rb|pl|rs|sql|lua|php)"
)
_FILE = rf"[\w][\w.+-]*\.{FILE_EXT}"
# a file name in running text, maybe in a folder (`deploy/manifests/pod.yaml`); ASCII word characters only, so that a
# name written against Chinese or Japanese text ("创建文件deploy/x.yaml,内容如下") is read without its neighbours
_FILE_RE = re.compile(rf"(?<![\w/.-])((?:[\w.-]+/)*{_FILE})(?![\w/-])", re.I | re.A)
_BACKTICKED = re.compile(rf"`({_FILE})`", re.I)
_BACKTICKED_PATH = re.compile(rf"`((?:[\w.-]+/)+{_FILE})`", re.I)
_LINK_TEXT = re.compile(rf"\[`?({_FILE})`?\]\([^)]*\)", re.I)
# a caption that is only a file name, maybe in a folder: `f.yaml`, **manifests/f.yaml**, `s1.yaml`:
_HEADING_FILE = re.compile(rf"^\s*[*_]{{0,3}}`?((?:[\w.-]+/)*{_FILE})`?:?[*_]{{0,3}}\s*:?\s*$", re.I)
# words that say a paragraph is about a file, in the languages tutorials are written in ("Create the file", "Créez le
# fichier", "Erstellen Sie die Datei", "创建文件…，内容如下")
_FILE_VERBS = re.compile(
    r"\b(?:file|save|saved|create|creating|named|called|following|put|write|content of|fichier|cr[ée]\w*|enregistr\w*|"
    r"suivant\w*|datei|erstell\w*|speicher\w*|folgend\w*|archivo|guard\w*|siguiente)\b|文件|创建|新建|保存|内容如下|以下内容"
    r"|ファイル|作成|保存",
    re.I,
)

_CREATE_LOCAL_FILE = re.compile(
    rf"\bcreate\s+(?:a|an|the)?\s*(?:new\s+|additional\s+|local\s+|small\s+|text\s+)*file\s+(?:named|called)\s+`?({_FILE})`?",
    re.I,
)
_ANY_CONTENT = re.compile(r"\b(any content|anything you like|some text|any text)\b", re.I)
_UPDATE_FILE = re.compile(
    r"\b(?:update|change|modify|edit)\s+(?:the\s+)?(?:content|contents)\s+of\s+(?:either\s+)?`?([\w.+-]+\.\w+)`?", re.I
)

_ENTER_POD = re.compile(
    r"\b(log(?:ged)?\s*(?:back\s+)?in(?:to)?\b|login\b|exec\s+into|shell\s+into|inside\s+the\s+(?:pod|container)|in\s+the\s+(?:pod|container)\s*,|attach\s+to\s+the\s+pod|kubectl\s+exec\b"
    r"|enter\s+(?:the|your|our)\s+(?:[\w-]+\s+)?(?:pod|container)\b)",
    re.I,
)
_LEAVE_POD = re.compile(
    r"\b(log\s*out|logout|exit\s+the\s+(?:pod|shell|container)|(?:once|when)\s+you\s+are\s+done|delete\s+the\s+(?:pod|job)|back\s+on\s+your\s+(?:machine|laptop|computer))\b",
    re.I,
)
_POD_IN_TEXT = re.compile(r"`([a-z0-9][a-z0-9.<>_-]*)`")


_SHORTCODE_FILE = re.compile(
    r"\{\{[<%]\s*(?:codenew|code|code_sample|include|readfile|snippet)\b[^}]*?\bfile=\"?([^\"\s}]+)", re.I
)
_INCLUDE_FILE = re.compile(r"\{%\s*include(?:_relative)?\s+([^\s%]+)")


_INLINE_APPLY = re.compile(rf"`(?:kubectl|oc)\s+(?:apply|create|replace)\b[^`]*?\s-f\s*=?\s*\.?/?({_FILE})`")


def applied_file(text: str) -> str | None:
    """The file a paragraph tells the reader to apply in inline code (`kubectl apply -f pod.yml`), if exactly one."""
    found = set(_INLINE_APPLY.findall(text))
    return found.pop() if len(found) == 1 else None


def files_named(text: str) -> list[str]:
    """Every file name the paragraph mentions (`pod-awscli.yaml`, [job.yaml](…)); one in a folder, by its path and by
    its own name (`deploy/pod.yaml` names pod.yaml too)."""
    return list(dict.fromkeys(n for found in _FILE_RE.findall(text) for n in (found, found.rsplit("/", 1)[-1])))


_OPEN_FILE = re.compile(
    r"\b(?:open|ouvr\w*|öffne\w*|abr[ae]\w*|apri\w*)\s+(?:(?:the|le|la|die|den|das|el|il|your|votre)\s+)?"
    rf"(?:(?:file|fichier|datei|archivo)\s+)?`?((?:[\w.-]+/)*{_FILE})`?",
    re.I,
)


def opened_files(text: str) -> list[str]:
    """Files the prose has the reader open, to read or complete ("Ouvrez le fichier `starter/x.yaml` et completez le
    TODO", "Open the file `app.yaml`"): files the author takes to be there."""
    return list(dict.fromkeys(_OPEN_FILE.findall(text)))


def site_files(text: str) -> list[str]:
    """Files the page shows from its site's sources (Hugo `{{< codenew file="x.yaml" >}}`, Jekyll `{% include x %}`)."""
    found: list[str] = _SHORTCODE_FILE.findall(text) + _INCLUDE_FILE.findall(text)
    return found


def heading_file(text: str) -> str | None:
    """`###### s1.yaml:` names the file of the block below it."""
    m = _HEADING_FILE.match(text)
    return m.group(1) if m else None


# a YAML block's first line naming its file: `# nextflow-pipeline.yaml`, `# File: deploy/app.yaml`, `# filename: pod.yml`
_COMMENT_FILE = re.compile(
    rf"^#\s*(?:(?:file|filename|file name|save as|saved as)\s*:?\s*)?((?:[\w.-]+/)*{_FILE})\s*:?\s*$", re.I
)


def comment_file(content: str) -> str | None:
    """The file a YAML block names in a comment on its first line (the block is that file's content)."""
    first = next((line.strip() for line in content.splitlines() if line.strip()), "")
    m = _COMMENT_FILE.match(first)
    return m.group(1) if m else None


def prose_file(text: str) -> str | None:
    """A file name the paragraph just before a block gives it ("Create the file `pvc.yaml`:").

    A link's text (`[pytorch-example.yaml](...)`) counts too. Only one file
    name may be mentioned, and the paragraph must talk about a file.
    """
    linked: list[str] = _LINK_TEXT.findall(text)
    if len(set(linked)) == 1:
        return linked[0]
    # a plain name in code first: a path beside it is more often another file the text points at ("Use
    # `examples/service.yml` as an example to add the service to our `backend.yml`")
    names: set[str] = set(_BACKTICKED.findall(text)) or set(_BACKTICKED_PATH.findall(text)) or set(_FILE_RE.findall(text))
    if len(names) == 1 and _FILE_VERBS.search(text):
        return names.pop()
    return None


_EDIT_FILE = re.compile(
    rf"^\W*(?:now\s+)?(?:edit|modify|update|change|open)\s+(?:the\s+(?:file\s+)?)?`?({_FILE})`?(?:\s+(?:file|again|as\s+follows|like\s+this))?\s*:?\s*$",
    re.I,
)


def edited_file(text: str) -> str | None:
    """ "Edit `env.yaml`", a paragraph that only says which file the reader changes: the block under it is that file as
    edited (when it holds whole objects; a piece of one stays a piece)."""
    m = _EDIT_FILE.match(text.strip())
    return m.group(1) if m else None


def create_local_file(text: str) -> tuple[str, bool] | None:
    """("hello.txt", any_content) for "Create a local file named `hello.txt` with any content you like"."""
    m = _CREATE_LOCAL_FILE.search(text)
    if not m:
        return None
    return m.group(1), bool(_ANY_CONTENT.search(text))


def update_file(text: str) -> str | None:
    """ "update the content of either hello.txt or world.txt" -> "hello.txt"."""
    m = _UPDATE_FILE.search(text)
    return m.group(1) if m else None


def pod_cue(text: str) -> str | None:
    """ "enter" or "leave" for prose that moves the reader into or out of a pod (the last cue wins)."""
    events = [(m.start(), "enter") for m in _ENTER_POD.finditer(text)]
    events += [(m.start(), "leave") for m in _LEAVE_POD.finditer(text)]
    if not events:
        return None
    return max(events)[1]


def named_pod(text: str) -> str | None:
    """A pod name given in backticks in the prose, or in the words that move the reader into it ("enter the bastion
    pod", "from our bastion pod"), if any."""
    for m in _POD_IN_TEXT.finditer(text):
        word = m.group(1)
        if "-" in word and not _FILE_RE.fullmatch(word):
            return word
    by_name = _POD_BY_NAME.search(text)
    return by_name.group(1).lower() if by_name else None


_POD_BY_NAME = re.compile(
    r"\benter\s+(?:the|your|our)\s+(?!(?:same|first|new|other|next|last|right)\b)([A-Za-z0-9][\w-]*)\s+pod\b", re.I
)


_REPLACE_USERNAME = re.compile(
    r"\b(?:replace|substitute|change|swap)\b[^.]{0,40}?[\"'“”‘’`]?\b(?:your\s+)?(?:user\s*name|username|id)\b[\"'“”‘’`]?"
    r"|\b(?:replace|change)\s+(?:the\s+)?(?:user\s*name|username)\b",
    re.I,
)
_PLACEHOLDER_WORD = re.compile(r"<([A-Za-z][\w.-]*(?: [\w.-]+)*)>")


_EARLIER_PART = re.compile(
    r"\b(?:previous|preceding|earlier|prior|last|first)\s+(?:lab|chapter|module|part|lesson|exercise|tutorial|page|"
    r"workshop|session|episode)s?\b|\bin\s+(?:part|lab|module|chapter)\s+\d+\b"
    # "aus Übung 2", "from exercise 2", "de l'exercice 2", "dall'esercizio 2": a numbered part of the same course
    r"|\b(?:aus|von|from|de|del|dell?['’]|dall['’]|depuis)\s*(?:der\s+|dem\s+|the\s+|la\s+|l['’])?(?:Übung|Aufgabe|Kapitel"
    r"|Teil|exercise|exercice|ejercicio|esercizio|chapter|chapitre|cap[ií]tulo|part|partie|lab|module|lesson|le[cç]on)\s+\d+\b",
    re.I,
)


_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "gitee.com", "sr.ht")
# a paragraph that offers a repository as the place of the tutorial's files, not a link to a tool's project page
_FILES_CUE = re.compile(
    r"\b(?:clone|cloned|checkout|check out|download|repo|repository|repositories|source code|files|manifests)\b", re.I
)
_BARE_URL = re.compile(r"https?://[^\s<>()\[\]`'\"]+")


def repositories(text: str) -> list[str]:
    """Repositories the paragraph links to (`[the lab's repo](https://github.com/o/r)`, a folder of one
    (`…/tree/main/lab3`), a bare `https://x/y.git`), or a relative link to a file beside the page (`../docs/x.md`,
    `./resources/deploy.yaml`: the page lives in a repository): a place the reader may have its files from, so a
    file the text never shows can be one of them. A remote repository counts only where the paragraph speaks of
    getting files ("clone", "repository", "download", "files"): `[kind](https://github.com/kubernetes-sigs/kind)` is
    a tool's project page. A link to one file of a remote repository (`/blob/`, `/raw/`, an image) is not, nor a
    site's own page (`/posts/next-part/`).

    Markdown links are read by markdown-it's inline grammar; bare addresses (no link syntax) by a URL pattern."""
    hrefs = [
        str(child.attrGet("href") or "")
        for token in _inline_parser().parseInline(text)
        for child in token.children or ()
        if child.type == "link_open"
    ]
    found = []
    remote = bool(_FILES_CUE.search(text))  # "clone the repository", "the files are in", "download the code"
    for href in hrefs:  # `[the cluster guide](../../docs/access.md)`, `[file](./resources/deploy.yaml)`: files beside it
        parts = urlsplit(href)
        if not parts.scheme and not parts.netloc and href.startswith(("./", "../")) and parts.path.strip("./"):
            found.append(href)
    for url in hrefs + _BARE_URL.findall(text):
        parts = urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.")
        segments = [p for p in parts.path.split("/") if p]
        if parts.scheme not in ("http", "https"):
            continue
        if parts.path.endswith(".git"):
            found.append(url)
        elif remote and host in _CODE_HOSTS and len(segments) >= 2 and (len(segments) == 2 or segments[2] in ("tree", "-")):
            found.append(url)  # the repository or one of its folders, not a file in it (`/blob/`, `/raw/`: a link to read)
    if _OWN_REPOSITORY.search(text):  # "Clone this repository to your working station": the page's own, unnamed
        found.append("this repository")
    return list(dict.fromkeys(found))


# "Clone this repository", "check out the workshop repo", "download this repository": the page's own repository
_OWN_REPOSITORY = re.compile(
    r"\b(?:clone|check\s*out|download|fork)\s+(?:this|the|our)\s+(?:\w+\s+){0,2}?(?:repo|repository|git\s+repository)\b",
    re.I,
)


@lru_cache(maxsize=1)
def _inline_parser() -> MarkdownIt:
    return MarkdownIt("commonmark")


def earlier_files(text: str) -> list[str]:
    """Files a sentence says come from an earlier part ("wir nutzen die Datei `writer-deployment.yaml` aus Übung 2",
    "the `pod.yaml` from the previous lab"): files the author takes to be there, as an opened file is."""
    out: list[str] = []
    for sentence in re.split(r"(?<=[.!?:;])\s+|\n", text):
        if _EARLIER_PART.search(sentence):
            out.extend(_FILE_RE.findall(sentence))
    return list(dict.fromkeys(out))


def earlier_part(text: str) -> bool:
    """Does the text say it follows an earlier page of a series ("in the previous lab", "in part 2")?"""
    return bool(_EARLIER_PART.search(text))


def replace_username_cue(text: str) -> bool:
    """The reader is told to replace the word "username" with their own (“replace “username” with your own id”)."""
    return bool(_REPLACE_USERNAME.search(text))


def placeholder_mentions(text: str) -> dict[str, str]:
    """`<name>` -> the sentence of the paragraph that mentions it (its description for `--set`)."""
    out: dict[str, str] = {}
    for sentence in re.split(r"(?<=[.!?])\s+|\n", text):
        for m in _PLACEHOLDER_WORD.finditer(sentence):
            out.setdefault(m.group(1), " ".join(sentence.split())[:160])
    return out
