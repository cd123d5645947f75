# BENCHMARK PEER -- NOT PART OF AIDO, NEVER SHIPPED, NEVER DEPLOYED.
#
# The REST routes that bench/run measures, written the way the
# Evolution-of-Todo seeds write them (FastAPI + SQLModel + a psycopg
# driver under gunicorn with uvicorn workers; the engine settings of
# Sheikh-Ubaid-Raza/AgenTodo backend/app/core/db.py), so that make bench
# can say how aido compares with the stack the seeds describe.  It runs
# on the benchmark's throwaway database, in its own schema (peer), with
# its own HS256 tokens (sub = user id, exp; stateless, as the seeds'),
# and it is only as careful as a seed: no rate limits, no sessions to
# revoke, the validation pydantic gives.  See bench/peer/README.md.
#
# Environment: PEER_DATABASE_URL (postgresql+psycopg2://...),
# PEER_JWT_SECRET.  Started by bench/peer/start.

import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets
import uuid
from typing import List, Optional

import jwt
from fastapi import Depends, FastAPI, HTTPException, Query, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Column, DateTime, Index, String, tuple_
from sqlalchemy.dialects.postgresql import ARRAY, TEXT
from sqlmodel import Field, Session, SQLModel, create_engine, select

SCHEMA = "peer"
JWT_SECRET = os.environ["PEER_JWT_SECRET"]
TOKEN_SECONDS = 86400

# The seed's engine (AgenTodo backend/app/core/db.py): pool of 5 plus
# 10 overflow per process, a ping on every checkout, recycled after 5 min.
engine = create_engine(
    os.environ["PEER_DATABASE_URL"],
    echo=False,
    pool_recycle=300,
    pool_pre_ping=True,
    pool_size=5,
    max_overflow=10,
    pool_timeout=30,
    connect_args={"connect_timeout": 10},
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def tstz(**kw) -> Column:
    return Column(DateTime(timezone=True), **kw)


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = {"schema": SCHEMA}
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str = Field(sa_column=Column(String(255), unique=True,
                                        nullable=False))
    password_hash: str
    name: Optional[str] = None
    created_at: dt.datetime = Field(default_factory=utcnow,
                                    sa_column=tstz(nullable=False))


class TaskBase(SQLModel):
    title: str = Field(min_length=1, max_length=200)
    description: Optional[str] = Field(default=None, max_length=1000)
    completed: bool = False
    priority: str = Field(default="medium", regex="^(low|medium|high)$")
    tags: List[str] = Field(default_factory=list)
    due_date: Optional[dt.datetime] = None
    remind_at: Optional[dt.datetime] = None
    recurring: bool = False
    recurring_pattern: Optional[str] = None


class Task(TaskBase, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        # The page query's index, as aido has it: the peer gets the same
        # help from the database (the seeds index user_id alone).
        Index("tasks_user_created_idx", "user_id", "created_at", "id"),
        {"schema": SCHEMA},
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="peer.users.id", nullable=False)
    tags: List[str] = Field(default_factory=list,
                            sa_column=Column(ARRAY(TEXT), nullable=False))
    due_date: Optional[dt.datetime] = Field(default=None, sa_column=tstz())
    remind_at: Optional[dt.datetime] = Field(default=None, sa_column=tstz())
    completed_at: Optional[dt.datetime] = Field(default=None,
                                                sa_column=tstz())
    next_occurrence_id: Optional[uuid.UUID] = None
    created_at: dt.datetime = Field(default_factory=utcnow,
                                    sa_column=tstz(nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow,
                                    sa_column=tstz(nullable=False))


class TaskCreate(TaskBase):
    pass


class TaskRead(TaskBase):
    id: uuid.UUID
    user_id: uuid.UUID
    completed_at: Optional[dt.datetime]
    next_occurrence_id: Optional[uuid.UUID]
    created_at: dt.datetime
    updated_at: dt.datetime


class TaskUpdate(SQLModel):
    title: Optional[str] = Field(default=None, min_length=1, max_length=200)
    description: Optional[str] = Field(default=None, max_length=1000)
    completed: Optional[bool] = None
    priority: Optional[str] = Field(default=None, regex="^(low|medium|high)$")
    tags: Optional[List[str]] = None
    due_date: Optional[dt.datetime] = None
    remind_at: Optional[dt.datetime] = None
    recurring: Optional[bool] = None
    recurring_pattern: Optional[str] = None


class TaskPage(SQLModel):
    items: List[TaskRead]
    next_cursor: Optional[str]


class SignupBody(SQLModel):
    email: str
    password: str
    name: Optional[str] = None


class LoginBody(SQLModel):
    email: str
    password: str


class UserRead(SQLModel):
    id: uuid.UUID
    email: str
    name: Optional[str]
    created_at: dt.datetime


class TokenOut(SQLModel):
    token: str
    token_type: str
    expires_at: dt.datetime
    user: UserRead


def create_db_and_tables() -> None:
    with engine.begin() as conn:
        if not engine.dialect.has_schema(conn, SCHEMA):
            conn.exec_driver_sql(f"CREATE SCHEMA {SCHEMA}")
    SQLModel.metadata.create_all(engine)


def get_session():
    with Session(engine) as session:
        yield session


# Passwords: PBKDF2 from the standard library (login is not what the
# benchmark compares; the seeds use passlib or their identity provider).
def hash_password(pw: str) -> str:
    salt = secrets.token_bytes(16)
    h = hashlib.pbkdf2_hmac("sha256", pw.encode(), salt, 100_000)
    return "pbkdf2$" + salt.hex() + "$" + h.hex()


def verify_password(pw: str, stored: str) -> bool:
    try:
        _, salt, want = stored.split("$")
    except ValueError:
        return False
    h = hashlib.pbkdf2_hmac("sha256", pw.encode(), bytes.fromhex(salt),
                            100_000)
    return hmac.compare_digest(h.hex(), want)


def issue_token(user: User) -> TokenOut:
    exp = utcnow() + dt.timedelta(seconds=TOKEN_SECONDS)
    tok = jwt.encode({"sub": str(user.id), "iat": int(utcnow().timestamp()),
                      "exp": int(exp.timestamp())}, JWT_SECRET,
                     algorithm="HS256")
    return TokenOut(token=tok, token_type="bearer", expires_at=exp,
                    user=UserRead.from_orm(user))


http_bearer = HTTPBearer(auto_error=True)


async def get_current_user(
    credentials: HTTPAuthorizationCredentials = Depends(http_bearer),
) -> uuid.UUID:
    try:
        claims = jwt.decode(credentials.credentials, JWT_SECRET,
                            algorithms=["HS256"],
                            options={"require": ["exp", "sub"]})
        return uuid.UUID(claims["sub"])
    except (jwt.PyJWTError, ValueError):
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED,
                            detail="invalid token",
                            headers={"WWW-Authenticate": "Bearer"})


app = FastAPI(title="aido benchmark peer (not aido)")


@app.post("/api/auth/signup", response_model=TokenOut,
          status_code=status.HTTP_201_CREATED)
def signup(body: SignupBody, session: Session = Depends(get_session)):
    email = body.email.strip().lower()
    if not 8 <= len(body.password) <= 128:
        raise HTTPException(status_code=422, detail="password length")
    if session.exec(select(User).where(User.email == email)).first():
        raise HTTPException(status_code=409, detail="email taken")
    user = User(email=email, password_hash=hash_password(body.password),
                name=body.name)
    session.add(user)
    session.commit()
    session.refresh(user)
    return issue_token(user)


@app.post("/api/auth/login", response_model=TokenOut)
def login(body: LoginBody, session: Session = Depends(get_session)):
    user = session.exec(select(User).where(
        User.email == body.email.strip().lower())).first()
    if user is None or not verify_password(body.password, user.password_hash):
        raise HTTPException(status_code=401, detail="invalid_credentials")
    return issue_token(user)


def encode_cursor(t: Task) -> str:
    raw = f"{t.created_at.isoformat()}|{t.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(c: str):
    try:
        raw = base64.urlsafe_b64decode(c + "=" * (-len(c) % 4)).decode()
        at, tid = raw.split("|")
        return dt.datetime.fromisoformat(at), uuid.UUID(tid)
    except ValueError:
        raise HTTPException(status_code=400, detail="invalid cursor")


@app.get("/api/tasks", response_model=TaskPage)
def list_tasks(limit: int = Query(50, ge=1, le=100),
               cursor: Optional[str] = None,
               user_id: uuid.UUID = Depends(get_current_user),
               session: Session = Depends(get_session)):
    stmt = select(Task).where(Task.user_id == user_id)
    if cursor is not None:
        stmt = stmt.where(tuple_(Task.created_at, Task.id) <
                          tuple_(*decode_cursor(cursor)))
    stmt = stmt.order_by(Task.created_at.desc(), Task.id.desc())
    rows = session.exec(stmt.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return TaskPage(items=rows,
                    next_cursor=encode_cursor(rows[-1]) if more else None)


def owned_task(session: Session, user_id: uuid.UUID, task_id: uuid.UUID):
    task = session.exec(select(Task).where(Task.id == task_id)
                        .where(Task.user_id == user_id)).first()
    if task is None:
        raise HTTPException(status_code=404, detail="task not found")
    return task


@app.get("/api/tasks/{task_id}", response_model=TaskRead)
def get_task(task_id: uuid.UUID,
             user_id: uuid.UUID = Depends(get_current_user),
             session: Session = Depends(get_session)):
    return owned_task(session, user_id, task_id)


@app.post("/api/tasks", response_model=TaskRead,
          status_code=status.HTTP_201_CREATED)
def create_task(body: TaskCreate, response: Response,
                user_id: uuid.UUID = Depends(get_current_user),
                session: Session = Depends(get_session)):
    task = Task.from_orm(body, update={"user_id": user_id})
    if task.completed:
        task.completed_at = utcnow()
    session.add(task)
    session.commit()
    session.refresh(task)
    response.headers["Location"] = f"/api/tasks/{task.id}"
    return task


@app.patch("/api/tasks/{task_id}", response_model=TaskRead)
def update_task(task_id: uuid.UUID, body: TaskUpdate,
                user_id: uuid.UUID = Depends(get_current_user),
                session: Session = Depends(get_session)):
    task = owned_task(session, user_id, task_id)
    changes = body.dict(exclude_unset=True)
    if "completed" in changes and changes["completed"] != task.completed:
        task.completed_at = utcnow() if changes["completed"] else None
    for key, value in changes.items():
        setattr(task, key, value)
    task.updated_at = utcnow()
    session.add(task)
    session.commit()
    session.refresh(task)
    return task
