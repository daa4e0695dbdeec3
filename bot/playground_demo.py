"""``python -m bot --local --demo``: sample data, so every command shows something at once.

- ``books``: 32 classics with a choice column (``genre``), a number column
  (``pages``), a date column (``added``, when the book came to the shelf, all in
  January to November 2026) and a user column (``reader``: who read it; empty
  for a book nobody read yet). ``/record summary table:books by:genre chart:True``
  is a good first chart; ``by:added:month of:pages`` a good second. A saved view,
  ``unread``, lists what is left to read.
- ``staff_notes``: a private table, read and written only by the Staff role
  (and admins): bob sees no trace of it.
- ``#audit-log``: the audit channel, one line per change made with the commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import discobase

__all__ = ["AUDIT_CHANNEL", "BOOKS", "DEMO_TABLE", "PRIVATE_TABLE", "DemoPeople", "seed_demo"]

DEMO_TABLE = "books"
PRIVATE_TABLE = "staff_notes"
AUDIT_CHANNEL = "audit-log"
_GENRES = "novel|science fiction|fantasy|horror|romance|adventure"
_COLUMNS = (
    "title:text unique, author:text, year:int optional, read:bool default=false, "
    f"genre:choice({_GENRES}) optional, pages:int optional, added:date optional, reader:user optional"
)
_NOTES_COLUMNS = "note:text, about:user optional"

# title, author, year, read, genre, pages, added (2026)
BOOKS: tuple[tuple[str, str, int, bool, str, int, str], ...] = (
    ("Frankenstein", "Mary Shelley", 1818, True, "horror", 280, "01-09"),
    ("Pride and Prejudice", "Jane Austen", 1813, True, "romance", 432, "01-09"),
    ("Moby-Dick", "Herman Melville", 1851, False, "adventure", 635, "01-21"),
    ("Middlemarch", "George Eliot", 1871, False, "novel", 880, "02-03"),
    ("Anna Karenina", "Leo Tolstoy", 1878, True, "novel", 864, "02-03"),
    ("The Brothers Karamazov", "Fyodor Dostoevsky", 1880, False, "novel", 796, "02-17"),
    ("Dracula", "Bram Stoker", 1897, True, "horror", 418, "03-02"),
    ("The Time Machine", "H. G. Wells", 1895, True, "science fiction", 118, "03-02"),
    ("Heart of Darkness", "Joseph Conrad", 1899, False, "adventure", 96, "03-14"),
    ("The Metamorphosis", "Franz Kafka", 1915, True, "novel", 70, "03-14"),
    ("Ulysses", "James Joyce", 1922, False, "novel", 730, "03-28"),
    ("Mrs Dalloway", "Virginia Woolf", 1925, True, "novel", 194, "04-06"),
    ("The Great Gatsby", "F. Scott Fitzgerald", 1925, True, "novel", 180, "04-06"),
    ("Brave New World", "Aldous Huxley", 1932, True, "science fiction", 268, "04-20"),
    ("Their Eyes Were Watching God", "Zora Neale Hurston", 1937, False, "novel", 219, "05-04"),
    ("The Hobbit", "J. R. R. Tolkien", 1937, True, "fantasy", 310, "05-04"),
    ("The Stranger", "Albert Camus", 1942, True, "novel", 123, "05-18"),
    ("Nineteen Eighty-Four", "George Orwell", 1949, True, "science fiction", 328, "06-01"),
    ("I, Robot", "Isaac Asimov", 1950, False, "science fiction", 253, "06-01"),
    ("Foundation", "Isaac Asimov", 1951, True, "science fiction", 255, "06-15"),
    ("Fahrenheit 451", "Ray Bradbury", 1953, True, "science fiction", 158, "07-06"),
    ("Things Fall Apart", "Chinua Achebe", 1958, False, "novel", 209, "07-06"),
    ("Solaris", "Stanislaw Lem", 1961, True, "science fiction", 204, "07-20"),
    ("Dune", "Frank Herbert", 1965, True, "science fiction", 412, "08-03"),
    ("One Hundred Years of Solitude", "Gabriel Garcia Marquez", 1967, False, "fantasy", 417, "08-17"),
    ("The Left Hand of Darkness", "Ursula K. Le Guin", 1969, True, "science fiction", 304, "09-07"),
    ("Invisible Cities", "Italo Calvino", 1972, False, "fantasy", 165, "09-21"),
    ("Beloved", "Toni Morrison", 1987, False, "novel", 324, "10-05"),
    ("The Remains of the Day", "Kazuo Ishiguro", 1989, True, "novel", 245, "10-05"),
    ("The God of Small Things", "Arundhati Roy", 1997, False, "novel", 340, "10-19"),
    ("Never Let Me Go", "Kazuo Ishiguro", 2005, True, "science fiction", 288, "11-02"),
    ("The Three-Body Problem", "Liu Cixin", 2008, False, "science fiction", 400, "11-16"),
)


@dataclass(frozen=True, slots=True)
class DemoPeople:
    """Who and where the sample data names: the admin (creator), the readers, the Staff role, the audit channel."""

    admin_id: int
    reader_ids: tuple[int, ...]
    staff_role_id: int
    audit_channel_id: int


async def seed_demo(store: discobase.GuildStore, people: DemoPeople) -> None:
    """Create the sample tables, their records (each table in one bulk write), a view, access rules and the audit."""
    await store.create_table(
        discobase.TableSchema(
            name=DEMO_TABLE,
            columns=discobase.parse_columns(_COLUMNS),
            description="Sample data of the playground's --demo: try /record summary table:books by:genre chart:True",
            creator_id=people.admin_id,
        )
    )
    readers = people.reader_ids
    rows = [
        {
            "title": title,
            "author": author,
            "year": year,
            "read": read,
            "genre": genre,
            "pages": pages,
            "added": date.fromisoformat(f"2026-{added}"),
            "reader": readers[number % len(readers)] if read else None,
        }
        for number, (title, author, year, read, genre, pages, added) in enumerate(BOOKS)
    ]
    await store.insert_many(DEMO_TABLE, rows, people.admin_id)
    await store.save_view(
        DEMO_TABLE,
        discobase.View(name="unread", where="read = false", sort="added", columns=("title", "author", "genre")),
    )
    await store.create_table(
        discobase.TableSchema(
            name=PRIVATE_TABLE,
            columns=discobase.parse_columns(_NOTES_COLUMNS),
            description="Private: only the Staff role reads and writes it",
            creator_id=people.admin_id,
        )
    )
    await store.insert(PRIVATE_TABLE, {"note": "Order a second copy of Dune"}, people.admin_id)
    staff = discobase.Access(read_role_id=people.staff_role_id, write_role_id=people.staff_role_id)
    await store.set_access(PRIVATE_TABLE, staff)
    await store.set_settings(discobase.Settings(audit_channel_id=people.audit_channel_id))
