"""``python -m bot --local --demo``: a sample ``books`` table, so ``/record find`` shows something at once."""

from __future__ import annotations

import discobase

__all__ = ["BOOKS", "DEMO_TABLE", "seed_demo"]

DEMO_TABLE = "books"
_COLUMNS = "title:text unique, author:text, year:int optional, read:bool default=false"

BOOKS: tuple[tuple[str, str, int, bool], ...] = (
    ("Frankenstein", "Mary Shelley", 1818, True),
    ("Pride and Prejudice", "Jane Austen", 1813, True),
    ("Moby-Dick", "Herman Melville", 1851, False),
    ("Middlemarch", "George Eliot", 1871, False),
    ("Anna Karenina", "Leo Tolstoy", 1878, True),
    ("The Brothers Karamazov", "Fyodor Dostoevsky", 1880, False),
    ("Dracula", "Bram Stoker", 1897, True),
    ("The Time Machine", "H. G. Wells", 1895, True),
    ("Heart of Darkness", "Joseph Conrad", 1899, False),
    ("The Metamorphosis", "Franz Kafka", 1915, True),
    ("Ulysses", "James Joyce", 1922, False),
    ("Mrs Dalloway", "Virginia Woolf", 1925, True),
    ("The Great Gatsby", "F. Scott Fitzgerald", 1925, True),
    ("Brave New World", "Aldous Huxley", 1932, True),
    ("Their Eyes Were Watching God", "Zora Neale Hurston", 1937, False),
    ("The Hobbit", "J. R. R. Tolkien", 1937, True),
    ("The Stranger", "Albert Camus", 1942, True),
    ("Nineteen Eighty-Four", "George Orwell", 1949, True),
    ("I, Robot", "Isaac Asimov", 1950, False),
    ("Foundation", "Isaac Asimov", 1951, True),
    ("Fahrenheit 451", "Ray Bradbury", 1953, True),
    ("Things Fall Apart", "Chinua Achebe", 1958, False),
    ("Solaris", "Stanislaw Lem", 1961, True),
    ("Dune", "Frank Herbert", 1965, True),
    ("One Hundred Years of Solitude", "Gabriel Garcia Marquez", 1967, False),
    ("The Left Hand of Darkness", "Ursula K. Le Guin", 1969, True),
    ("Invisible Cities", "Italo Calvino", 1972, False),
    ("Beloved", "Toni Morrison", 1987, False),
    ("The Remains of the Day", "Kazuo Ishiguro", 1989, True),
    ("The God of Small Things", "Arundhati Roy", 1997, False),
    ("Never Let Me Go", "Kazuo Ishiguro", 2005, True),
    ("The Three-Body Problem", "Liu Cixin", 2008, False),
)


async def seed_demo(store: discobase.GuildStore, creator_id: int) -> None:
    """Create the ``books`` table and insert every book in one bulk write, as ``/record import`` would."""
    await store.create_table(
        discobase.TableSchema(
            name=DEMO_TABLE,
            columns=discobase.parse_columns(_COLUMNS),
            description="Sample data of the playground's --demo",
            creator_id=creator_id,
        )
    )
    rows = [{"title": title, "author": author, "year": year, "read": read} for title, author, year, read in BOOKS]
    await store.insert_many(DEMO_TABLE, rows, creator_id)
